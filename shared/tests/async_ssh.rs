//! The async SSH helper (russh client, tokio `current_thread` runtime) against the mock
//! devices, beside the ssh2 helper, and against OpenSSH's sshd.

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use mock_device::{Fault, FleetConfig, Platform};
use shared::async_ssh::{self, AsyncConnection};
use shared::testing::sshd::{self, Sshd};
use shared::testing::{fleet_and_devices, four_platforms};
use shared::{Connection, Device, SshError};

/// Runs `work` on a tokio runtime with a single thread, as lesson 10 does.
fn on_one_thread<T>(work: impl Future<Output = T>) -> T {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a current_thread runtime")
        .block_on(work)
}

/// What the ssh2 helper returns for the prompt and `commands` on `device`.
fn with_ssh2(device: &Device, commands: &[&str]) -> (String, Vec<Result<String, SshError>>) {
    let mut connection = Connection::connect(device).expect("ssh2 connects");
    let prompt = connection.find_prompt().expect("ssh2 finds the prompt");
    let outputs = commands
        .iter()
        .map(|c| connection.send_command(c))
        .collect();
    (prompt, outputs)
}

/// The same with the async helper.
async fn with_async(device: &Device, commands: &[&str]) -> (String, Vec<Result<String, SshError>>) {
    let mut connection = AsyncConnection::connect(device)
        .await
        .expect("the async helper connects");
    let prompt = connection
        .find_prompt()
        .await
        .expect("the async helper finds the prompt");
    let mut outputs = Vec::new();
    for command in commands {
        outputs.push(connection.send_command(command).await);
    }
    connection.disconnect().await;
    (prompt, outputs)
}

#[test]
fn prompt_and_outputs_equal_the_ssh2_helper_s_on_every_platform() {
    let (_fleet, devices) = fleet_and_devices(four_platforms(), 5.0);
    let prompts = ["cisco3#", "arista1#", "pyclass@srx2>", "nxos1#"];
    for (device, expected) in devices.iter().zip(prompts) {
        let commands = [
            "show version",
            shared::arp_command(device.device_type),
            "show bogus",
        ];
        let ssh2 = with_ssh2(device, &commands);
        let ours = on_one_thread(with_async(device, &commands));
        assert_eq!(ours.0, expected);
        assert_eq!(ours, ssh2, "{}", device.name);
        let version = ours.1[0].as_ref().unwrap();
        assert!(version.contains(&device.name), "{version}");
        assert!(version.lines().count() > 3, "{version}");
        assert!(
            matches!(&ours.1[2], Err(SshError::CommandFailed { command, .. }) if command == "show bogus"),
            "{:?}",
            ours.1[2]
        );
    }
}

#[test]
fn the_course_helpers_return_prompt_and_version() {
    let (_fleet, devices) = fleet_and_devices(four_platforms(), 5.0);
    on_one_thread(async {
        assert_eq!(
            async_ssh::ssh_conn(&devices[2]).await.unwrap(),
            "pyclass@srx2>"
        );
        let version = async_ssh::show_version(&devices[0]).await.unwrap();
        assert_eq!(version, shared::show_version(&devices[0]).unwrap());
        let arp = async_ssh::send_command(&devices[3], "show ip arp").await;
        assert_eq!(arp, shared::send_command(&devices[3], "show ip arp"));
    });
}

#[test]
fn each_fault_gives_the_ssh2_helper_s_error_within_the_timeout() {
    let mut config = four_platforms();
    config.devices[0].fault = Some(Fault::Refuse);
    config.devices[1].fault = Some(Fault::AuthFail);
    config.devices[2].fault = Some(Fault::Hang);
    config.devices[3].fault = Some(Fault::Drop);
    let (_fleet, devices) = fleet_and_devices(config, 1.0);

    on_one_thread(async {
        let refused = AsyncConnection::connect(&devices[0]).await.unwrap_err();
        assert!(matches!(refused, SshError::Refused { .. }), "{refused:?}");
        assert_eq!(
            Some(&refused),
            Connection::connect(&devices[0]).err().as_ref()
        );

        let auth = AsyncConnection::connect(&devices[1]).await.unwrap_err();
        assert_eq!(
            auth.to_string(),
            "arista1: authentication failed for user pyclass"
        );
        assert_eq!(Some(&auth), Connection::connect(&devices[1]).err().as_ref());

        // The device accepts TCP and never sends its banner: the step is named, and the
        // error comes after the timeout (1 s), not much later.
        let started = Instant::now();
        let hang = AsyncConnection::connect(&devices[2]).await.unwrap_err();
        let took = started.elapsed();
        assert_eq!(
            hang.to_string(),
            "srx2: timed out after 1s waiting for the SSH banner"
        );
        assert!(
            took >= Duration::from_millis(900) && took < Duration::from_secs(3),
            "a 1 s timeout took {took:?}"
        );

        let mut dropping = AsyncConnection::connect(&devices[3]).await.unwrap();
        let dropped = dropping.send_command("show version").await.unwrap_err();
        assert_eq!(
            dropped.to_string(),
            "nxos1: connection closed during `show version`"
        );
        let ssh2 = Connection::connect(&devices[3])
            .unwrap()
            .send_command("show version")
            .unwrap_err();
        assert_eq!(dropped, ssh2);
    });
}

#[test]
fn a_host_key_that_does_not_match_the_pin_is_refused() {
    let (_fleet, mut devices) = fleet_and_devices(four_platforms(), 5.0);
    let real = devices[1].host_key.clone().unwrap();
    devices[1].host_key = Some("SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA".into());
    let err = on_one_thread(AsyncConnection::connect(&devices[1])).unwrap_err();
    assert!(
        matches!(&err, SshError::HostKeyMismatch { device, found, .. }
            if device == "arista1" && *found == real),
        "{err:?}"
    );
    assert_eq!(Some(&err), Connection::connect(&devices[1]).err().as_ref());
}

#[test]
fn a_key_file_logs_in_where_the_key_is_authorised() {
    let dir = tempfile::tempdir().unwrap();
    let key = dir.path().join("id_ed25519");
    let made = std::process::Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-f"])
        .arg(&key)
        .status()
        .unwrap();
    assert!(made.success());
    let public = std::fs::read_to_string(key.with_extension("pub")).unwrap();
    let mut config = four_platforms();
    config.authorized_keys = vec![public.trim().to_string()];
    let (_fleet, mut devices) = fleet_and_devices(config, 5.0);
    let mut device = devices.remove(0);
    device.password = "wrong".into();
    device.key_file = Some(key.clone());
    on_one_thread(async {
        assert_eq!(async_ssh::ssh_conn(&device).await.unwrap(), "cisco3#");

        device.key_file = Some(dir.path().join("missing"));
        let err = AsyncConnection::connect(&device).await.unwrap_err();
        assert!(
            err.to_string().starts_with(&format!(
                "cisco3: SSH error logging in: cannot use the key file {}",
                dir.path().join("missing").display()
            )),
            "{err}"
        );
    });
}

/// 200 sessions open at once, all from one thread: the mock sees them all open together,
/// each from its own task of the same thread.
#[test]
fn two_hundred_sessions_at_once_on_one_thread() {
    const SESSIONS: usize = 200;
    let config = FleetConfig::generated(SESSIONS, &[], Duration::from_millis(200));
    let (fleet, devices) = fleet_and_devices(config, 20.0);
    let started = Instant::now();
    on_one_thread(async {
        let mut sessions = tokio::task::JoinSet::new();
        for device in devices.clone() {
            sessions.spawn(async move {
                let mut connection = AsyncConnection::connect(&device).await?;
                let prompt = connection.find_prompt().await?;
                // Hold the session until every other one is open too.
                tokio::time::sleep(Duration::from_millis(500)).await;
                connection.disconnect().await;
                Ok::<_, SshError>(prompt)
            });
        }
        let mut prompts = 0;
        while let Some(done) = sessions.join_next().await {
            let prompt = done.unwrap().unwrap();
            assert!(prompt.ends_with('#') || prompt.ends_with('>'), "{prompt}");
            prompts += 1;
        }
        assert_eq!(prompts, SESSIONS);
    });
    let took = started.elapsed();
    let record = fleet.record();
    assert_eq!(record.sessions.len(), SESSIONS);
    // Every one logged in, ran its commands and left cleanly, as the mock saw it.
    let failed: Vec<_> = record
        .sessions
        .iter()
        .filter(|s| shared::testing::mock_saw_fail(s))
        .collect();
    assert!(failed.is_empty(), "{failed:?}");
    let (peak, _) = record.peak_open();
    assert_eq!(peak, SESSIONS, "the mock saw at most {peak} open at once");
    // One process, one thread, a task per session.
    let workers = shared::testing::workers(&record);
    assert_eq!(workers.len(), 1, "{workers:?}");
    let tasks: BTreeSet<&str> = record
        .sessions
        .iter()
        .filter_map(|s| s.client.split_whitespace().find(|w| w.starts_with("task=")))
        .collect();
    assert_eq!(tasks.len(), SESSIONS);
    // The client's own log (`--timeline` with --inventory) has each of them, not failed.
    let (logged, _, _) = shared::client_log::sessions();
    let names: BTreeSet<&str> = devices.iter().map(|d| d.name.as_str()).collect();
    let ours: Vec<_> = logged
        .iter()
        .filter(|s| names.contains(s.device.as_str()))
        .collect();
    assert_eq!(ours.len(), SESSIONS);
    assert!(ours.iter().all(|s| s.auth.as_ref().is_some_and(|a| a.ok)));
    // Serially 200 x (login + prompt, 0.4 s, + 0.5 s held) would take 180 s.
    assert!(took < Duration::from_secs(20), "took {took:?}");
}

#[test]
fn sshd_logs_in_with_a_key_and_runs_a_command() {
    let sshd = Sshd::start();
    let device = sshd.device(10.0);
    let outcome = on_one_thread(async {
        let mut connection = AsyncConnection::connect(&device).await?;
        let prompt = connection.find_prompt().await?;
        let hello = connection.send_command("echo hello").await?;
        connection.disconnect().await;
        Ok::<_, SshError>((prompt, hello))
    });
    let (prompt, hello) = outcome.unwrap_or_else(|e| panic!("{e}\nsshd said:\n{}", sshd.log()));
    assert_eq!(prompt, sshd::PROMPT);
    assert_eq!(hello, "hello");
    assert!(sshd.fingerprint().starts_with("SHA256:"));
}

#[test]
fn sshd_with_a_wrong_pin_is_refused() {
    let sshd = Sshd::start();
    let mut device = sshd.device(10.0);
    device.host_key = Some("SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA".into());
    let err = on_one_thread(AsyncConnection::connect(&device)).unwrap_err();
    assert_eq!(
        err,
        SshError::HostKeyMismatch {
            device: "sshd".into(),
            expected: "SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA".into(),
            found: sshd.fingerprint().to_string(),
        }
    );
}

#[test]
fn a_dropped_connection_closes_its_session() {
    let (fleet, devices) = fleet_and_devices(four_platforms(), 5.0);
    on_one_thread(async {
        let connection = AsyncConnection::connect(&devices[0]).await.unwrap();
        drop(connection);
        // The close runs in a task of its own: give it a moment on this thread.
        tokio::time::sleep(Duration::from_millis(300)).await;
    });
    let record = fleet.record();
    assert_eq!(record.sessions.len(), 1);
    assert!(
        record.sessions[0].closed.is_some(),
        "{:?}",
        record.sessions[0]
    );
    assert!(!shared::testing::mock_saw_fail(&record.sessions[0]));
}

#[test]
fn a_session_limit_turns_the_extra_session_away_at_once() {
    let mut config = four_platforms();
    config.devices[0].max_sessions = Some(1);
    let (_fleet, devices) = fleet_and_devices(config, 5.0);
    on_one_thread(async {
        let first = AsyncConnection::connect(&devices[0]).await.unwrap();
        let started = Instant::now();
        let second = AsyncConnection::connect(&devices[0]).await.unwrap_err();
        assert_eq!(second.device(), "cisco3");
        assert!(
            started.elapsed() < Duration::from_secs(2),
            "{second}: after {:?}, not at once",
            started.elapsed()
        );
        first.disconnect().await;
    });
}

/// A TCP server that answers one connection with `greeting` and then either closes or
/// goes silent until the client closes, for what the mock cannot do.
fn raw_device(greeting: &'static [u8], then_close: bool) -> (Device, tokio::task::JoinHandle<()>) {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a port");
    let port = listener.local_addr().expect("its number").port();
    // A thread of its own, waited for without blocking the runtime's one thread.
    let server = tokio::task::spawn_blocking(move || {
        let (mut socket, _) = listener.accept().expect("the client connects");
        std::io::Write::write_all(&mut socket, greeting).expect("the greeting is sent");
        if !then_close {
            let _ = std::io::Read::read_to_end(&mut socket, &mut Vec::new());
        }
    });
    let device = Device {
        name: "raw1".into(),
        device_type: Platform::CiscoIos,
        host: "127.0.0.1".into(),
        port,
        username: "pyclass".into(),
        password: "x".into(),
        host_key: None,
        key_file: None,
        timeout: 1.0,
        conn_timeout: 1.0,
        banner_timeout: 1.0,
        auth_timeout: 1.0,
        read_timeout: 1.0,
        retries: 0,
    };
    (device, server)
}

#[test]
fn the_banner_and_the_handshake_are_steps_of_their_own() {
    on_one_thread(async {
        // Closed at once, nothing written (sshd's MaxStartups drop).
        let (device, server) = raw_device(b"", true);
        let err = AsyncConnection::connect(&device).await.unwrap_err();
        assert_eq!(
            err.to_string(),
            "raw1: connection closed before the SSH banner"
        );
        server.await.unwrap();

        // IOS's session-limit line before the banner, then closed: named at once, with
        // the limit, as the ssh2 helper names it.
        let started = Instant::now();
        let (device, server) = raw_device(
            b"% Connection refused: all 5 VTY lines are in use\r\n",
            true,
        );
        let err = AsyncConnection::connect(&device).await.unwrap_err();
        assert_eq!(err.to_string(), "raw1: session limit reached (5 sessions)");
        assert!(err.is_transient());
        assert!(started.elapsed() < Duration::from_millis(900));
        server.await.unwrap();

        // Other words before the banner, then closed: quoted.
        let (device, server) = raw_device(b"Go away\r\n", true);
        let err = AsyncConnection::connect(&device).await.unwrap_err();
        assert_eq!(
            err.to_string(),
            "raw1: connection closed before the SSH banner: the device said `Go away`"
        );
        server.await.unwrap();

        // A banner, then silence: the handshake times out on its own clock, and the
        // client closes its socket rather than leave russh's task waiting forever.
        let (device, server) = raw_device(b"SSH-2.0-silent\r\n", false);
        let err = AsyncConnection::connect(&device).await.unwrap_err();
        assert_eq!(
            err.to_string(),
            "raw1: timed out after 1s during the SSH handshake"
        );
        tokio::time::timeout(Duration::from_secs(2), server)
            .await
            .expect("the client closed the connection it gave up on")
            .unwrap();
    });
}
