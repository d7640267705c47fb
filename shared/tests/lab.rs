//! The flags every lesson shares, and the lab they start.

use clap::Parser;
use shared::LabArgs;

#[derive(Debug, Parser)]
struct Args {
    #[command(flatten)]
    lab: LabArgs,
}

fn parse(args: &[&str]) -> Result<LabArgs, String> {
    Args::try_parse_from(std::iter::once("lesson").chain(args.iter().copied()))
        .map(|a| a.lab)
        .map_err(|e| e.to_string())
}

#[test]
fn no_flags_start_the_course_lab_in_process() {
    let lab = parse(&[]).unwrap().start().unwrap();
    assert!(lab.is_in_process());
    let names: Vec<&str> = lab.devices.iter().map(|d| d.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "cisco3", "cisco4", "arista1", "arista2", "arista3", "arista4", "srx2", "nxos1",
            "nxos2"
        ]
    );
    assert!(
        lab.devices
            .iter()
            .all(|d| d.host == "127.0.0.1" && d.host_key.is_some())
    );
}

#[test]
fn devices_latency_and_faults_shape_the_in_process_lab() {
    let lab = parse(&["--devices", "12", "--latency", "0ms", "--timeout", "2"])
        .unwrap()
        .start()
        .unwrap();
    assert_eq!(lab.devices.len(), 12);
    assert!(lab.devices.iter().all(|d| d.timeout == 2.0));
    for device in &lab.devices {
        shared::ssh_conn(device).unwrap();
    }

    let lab = parse(&["--fault", "srx2=auth-fail"])
        .unwrap()
        .start()
        .unwrap();
    let srx2 = lab.devices.iter().find(|d| d.name == "srx2").unwrap();
    assert!(matches!(
        shared::ssh_conn(srx2),
        Err(shared::SshError::AuthFailed { .. })
    ));
}

#[test]
fn bad_flags_say_what_is_wrong() {
    let err = parse(&["--fault", "srx2"]).unwrap_err();
    assert!(err.contains("is not NAME=FAULT"), "{err}");
    let err = parse(&["--fault", "srx2=melt"]).unwrap_err();
    assert!(err.contains("melt"), "{err}");
    let err = parse(&["--timeout", "0"]).unwrap_err();
    assert!(err.contains("not a positive number of seconds"), "{err}");
    let err = parse(&["--devices", "0"]).unwrap_err();
    assert!(err.contains("--devices"), "{err}");
    let err = parse(&["--inventory", "x.yaml", "--devices", "3"]).unwrap_err();
    assert!(err.contains("cannot be used with"), "{err}");

    let err = parse(&["--fault", "nosuch=hang"])
        .unwrap()
        .start()
        .unwrap_err();
    assert!(err.to_string().contains("nosuch"), "{err}");
}

#[test]
fn a_missing_inventory_is_one_line_naming_the_file() {
    let err = parse(&["--inventory", "/nonexistent/devices.yaml"])
        .unwrap()
        .start()
        .unwrap_err();
    let message = err.to_string();
    assert!(
        message.starts_with("inventory /nonexistent/devices.yaml: cannot read it:"),
        "{message}"
    );
    assert_eq!(message.lines().count(), 1);
}

#[test]
fn the_inventory_s_timeouts_stand_unless_timeout_is_given() {
    let file = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(
        file.path(),
        "- {name: a, device_type: cisco_ios, host: h, username: u, password: p, timeout: 3}\n\
         - {name: b, device_type: cisco_ios, host: h, username: u, password: p}\n",
    )
    .unwrap();
    let path = file.path().to_str().unwrap();
    let lab = parse(&["--inventory", path]).unwrap().start().unwrap();
    let timeouts: Vec<f64> = lab.devices.iter().map(|d| d.timeout).collect();
    assert_eq!(timeouts, [3.0, shared::inventory::DEFAULT_TIMEOUT]);

    let lab = parse(&["--inventory", path, "--timeout", "1.5"])
        .unwrap()
        .start()
        .unwrap();
    assert!(lab.devices.iter().all(|d| d.timeout == 1.5));
}

#[test]
fn stage_timeouts_and_retries_beat_timeout_and_the_file() {
    let file = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(
        file.path(),
        "- {name: a, device_type: cisco_ios, host: h, username: u, password: p, \
         conn_timeout: 5, read_timeout: 7}\n",
    )
    .unwrap();
    let path = file.path().to_str().unwrap();
    let lab = parse(&["--inventory", path]).unwrap().start().unwrap();
    let a = &lab.devices[0];
    assert_eq!(
        (a.conn_timeout, a.read_timeout, a.banner_timeout),
        (5.0, 7.0, 10.0)
    );
    assert_eq!(a.retries, 0);

    let lab = parse(&[
        "--inventory",
        path,
        "--timeout",
        "3",
        "--banner-timeout",
        "1",
        "--retries",
        "2",
    ])
    .unwrap()
    .start()
    .unwrap();
    let a = &lab.devices[0];
    assert_eq!(
        (
            a.timeout,
            a.conn_timeout,
            a.banner_timeout,
            a.auth_timeout,
            a.read_timeout
        ),
        (3.0, 3.0, 1.0, 3.0, 3.0)
    );
    assert_eq!(a.retries, 2);

    let lab = parse(&["--devices", "2", "--auth-timeout", "4"])
        .unwrap()
        .start()
        .unwrap();
    assert!(
        lab.devices
            .iter()
            .all(|d| d.auth_timeout == 4.0 && d.timeout == 10.0)
    );
}

#[test]
fn the_timeouts_and_retries_have_a_heading_of_their_own() {
    use clap::CommandFactory;
    let help = Args::command().render_help().to_string();
    let heading = help.find("Timeouts and retries:").expect("the heading");
    for flag in [
        "--timeout",
        "--conn-timeout",
        "--banner-timeout",
        "--auth-timeout",
        "--read-timeout",
        "--retries",
    ] {
        let at = help.find(&format!("{flag} <")).expect(flag);
        assert!(at > heading, "{flag} is not under the heading\n{help}");
    }
    assert!(help.find("--inventory").unwrap() < heading, "{help}");
}
