//! The text each platform prints for its `show` commands. Everything that varies between
//! devices (serial numbers, MAC and IP addresses, uptime) is derived from the device name,
//! so a device prints exactly the same text in every run.

use std::fmt::Write as _;

/// The stable, name-derived facts a device reports about itself.
#[derive(Debug, Clone)]
pub(crate) struct Facts {
    pub hostname: String,
    hash: u64,
}

/// FNV-1a, 64 bits: small, stable across Rust versions and platforms.
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

impl Facts {
    pub fn new(hostname: &str) -> Self {
        Facts {
            hostname: hostname.to_string(),
            hash: fnv1a(hostname.as_bytes()),
        }
    }

    /// A stable pseudo-random number for `purpose`, below `modulo`.
    fn pick(&self, purpose: u64, modulo: u64) -> u64 {
        let mut x = self.hash ^ purpose.wrapping_mul(0x9e37_79b9_7f4a_7c15);
        // splitmix64 finaliser
        x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        (x ^ (x >> 31)) % modulo
    }

    /// `prefix` followed by `len` characters of uppercase letters and digits.
    fn serial(&self, prefix: &str, len: usize) -> String {
        const ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ0123456789";
        let mut s = prefix.to_string();
        for i in 0..len {
            let c = ALPHABET[self.pick(100 + i as u64, ALPHABET.len() as u64) as usize];
            s.push(char::from(c));
        }
        s
    }

    /// Six MAC bytes: a fixed vendor prefix and three name-derived bytes.
    fn mac(&self, vendor: [u8; 3], index: u64) -> [u8; 6] {
        let n = self.pick(200 + index, 1 << 24);
        [
            vendor[0],
            vendor[1],
            vendor[2],
            (n >> 16) as u8,
            (n >> 8) as u8,
            n as u8,
        ]
    }

    /// Host part of the device's management address in 10.220.88.0/24.
    fn mgmt_host(&self) -> u64 {
        20 + self.pick(1, 200)
    }

    fn mgmt_ip(&self) -> String {
        format!("10.220.88.{}", self.mgmt_host())
    }

    /// The device's point-to-point/loopback block: 172.16.N.0.
    fn block(&self) -> u64 {
        self.pick(2, 250) + 1
    }

    /// Weeks, days, hours, minutes of uptime.
    fn uptime(&self) -> (u64, u64, u64, u64) {
        (
            self.pick(3, 20) + 1,
            self.pick(4, 7),
            self.pick(5, 24),
            self.pick(6, 60),
        )
    }

    /// The ARP neighbours on the management LAN: (host part, MAC).
    fn neighbours(&self) -> Vec<(u64, [u8; 6])> {
        let gateway = (1, [0x00, 0x62, 0xec, 0x29, 0x70, 0xfe]);
        let mut hosts = vec![gateway];
        for i in 0..3 {
            let host = 2 + self.pick(10 + i, 250);
            if host != self.mgmt_host() && hosts.iter().all(|(h, _)| *h != host) {
                hosts.push((host, self.mac([0x52, 0x54, 0x00], 10 + i)));
            }
        }
        hosts.sort_by_key(|(h, _)| *h);
        hosts
    }
}

fn cisco_mac(m: [u8; 6]) -> String {
    format!(
        "{:02x}{:02x}.{:02x}{:02x}.{:02x}{:02x}",
        m[0], m[1], m[2], m[3], m[4], m[5]
    )
}

fn colon_mac(m: [u8; 6]) -> String {
    format!(
        "{:02x}:{:02x}:{:02x}:{:02x}:{:02x}:{:02x}",
        m[0], m[1], m[2], m[3], m[4], m[5]
    )
}

// ---------------------------------------------------------------- Cisco IOS-XE

pub(crate) fn ios_show_version(f: &Facts) -> String {
    let (w, d, h, m) = f.uptime();
    let host = &f.hostname;
    let serial = f.serial("FDO", 8);
    format!(
        "\
Cisco IOS XE Software, Version 17.03.04a
Cisco IOS Software [Amsterdam], ISR Software (X86_64_LINUX_IOSD-UNIVERSALK9-M), Version 17.3.4a, RELEASE SOFTWARE (fc3)
Technical Support: http://www.cisco.com/techsupport
Copyright (c) 1986-2021 by Cisco Systems, Inc.
Compiled Tue 20-Jul-21 04:59 by mcpre

ROM: 16.9(4r)

{host} uptime is {w} weeks, {d} days, {h} hours, {m} minutes
Uptime for this control processor is {w} weeks, {d} days, {h} hours, {m2} minutes
System returned to ROM by Reload Command
System image file is \"bootflash:isr4300-universalk9.17.03.04a.SPA.bin\"
Last reload reason: Reload Command

License Level: appxk9
License Type: Smart License
Next reload license Level: appxk9

cisco ISR4321/K9 (1RU) processor with 1647778K/6147K bytes of memory.
Processor board ID {serial}
Router operating mode: Autonomous
2 Gigabit Ethernet interfaces
32768K bytes of non-volatile configuration memory.
4194304K bytes of physical memory.
3223551K bytes of flash memory at bootflash:.

Configuration register is 0x2102
",
        m2 = (m + 2) % 60,
    )
}

pub(crate) fn ios_show_ip_interface_brief(f: &Facts) -> String {
    let rows = [
        ("GigabitEthernet0/0/0", f.mgmt_ip(), "NVRAM", "up", "up"),
        (
            "GigabitEthernet0/0/1",
            format!("172.16.{}.1", f.block()),
            "NVRAM",
            "up",
            "up",
        ),
        (
            "Serial0/1/0",
            "unassigned".into(),
            "unset",
            "administratively down",
            "down",
        ),
        (
            "GigabitEthernet0",
            "unassigned".into(),
            "NVRAM",
            "administratively down",
            "down",
        ),
        (
            "Loopback0",
            format!("192.168.{}.1", f.block()),
            "manual",
            "up",
            "up",
        ),
    ];
    let mut out = String::from(
        "Interface              IP-Address      OK? Method Status                Protocol\n",
    );
    for (name, ip, method, status, proto) in rows {
        let _ = writeln!(
            out,
            "{name:<22} {ip:<15} YES {method:<6} {status:<21} {proto}"
        );
    }
    out
}

pub(crate) fn ios_show_ip_arp(f: &Facts) -> String {
    let mut out =
        String::from("Protocol  Address          Age (min)  Hardware Addr   Type   Interface\n");
    let own = f.mac([0xa8, 0x9d, 0x21], 0);
    let mut rows: Vec<(u64, String, [u8; 6])> = f
        .neighbours()
        .into_iter()
        .enumerate()
        .map(|(i, (h, mac))| (h, (f.pick(30 + i as u64, 240) + 1).to_string(), mac))
        .collect();
    rows.push((f.mgmt_host(), "-".into(), own));
    rows.sort_by_key(|r| r.0);
    for (host, age, mac) in rows {
        let addr = format!("10.220.88.{host}");
        let _ = writeln!(
            out,
            "Internet  {addr:<16} {age:>9}   {}  ARPA   GigabitEthernet0/0/0",
            cisco_mac(mac)
        );
    }
    out
}

// ---------------------------------------------------------------- Arista EOS

pub(crate) fn eos_show_version(f: &Facts) -> String {
    let (w, d, h, m) = f.uptime();
    let mac = cisco_mac(f.mac([0x50, 0x00, 0x00], 0));
    let serial = f.serial("JPE", 8);
    format!(
        "\
Arista DCS-7050TX-64-R
Hardware version: 01.11
Serial number: {serial}
Hostname: {host}
Hardware MAC address: {mac}
System MAC address: {mac}

Software image version: 4.28.3M
Architecture: x86_64
Internal build version: 4.28.3M-29191044.4283M
Internal build ID: 8c4d2a9e-6b3f-4e5a-9d71-2f1c6a8b0e44
Image format version: 2.0
Image optimization: Strata-4GB

Uptime: {w} weeks, {d} days, {h} hours and {m} minutes
Total memory: 3982636 kB
Free memory: 2465280 kB
",
        host = f.hostname,
    )
}

pub(crate) fn eos_show_ip_interface_brief(f: &Facts) -> String {
    let rows = [
        (
            "Ethernet1",
            format!("172.16.{}.1/30", f.block()),
            "up",
            "up",
            "1500",
        ),
        ("Ethernet2", "unassigned".into(), "up", "up", "1500"),
        (
            "Loopback0",
            format!("192.168.{}.1/32", f.block()),
            "up",
            "up",
            "65535",
        ),
        (
            "Management1",
            format!("{}/24", f.mgmt_ip()),
            "up",
            "up",
            "1500",
        ),
        (
            "Vlan1",
            "unassigned".into(),
            "down",
            "lowerlayerdown",
            "1500",
        ),
    ];
    let mut out = String::from(
        "                                                                         Address\n\
         Interface         IP Address            Status       Protocol         MTU    Owner  \n\
         ----------------- --------------------- ------------ -------------- -------- -------\n",
    );
    for (name, ip, status, proto, mtu) in rows {
        let _ = writeln!(out, "{name:<17} {ip:<21} {status:<12} {proto:<14} {mtu:>8}");
    }
    out
}

pub(crate) fn eos_show_ip_arp(f: &Facts) -> String {
    let mut out = String::from("Address         Age (sec)  Hardware Addr   Interface\n");
    for (i, (host, mac)) in f.neighbours().into_iter().enumerate() {
        let secs = f.pick(40 + i as u64, 14_400);
        let age = format!("{}:{:02}:{:02}", secs / 3600, secs / 60 % 60, secs % 60);
        let addr = format!("10.220.88.{host}");
        let _ = writeln!(out, "{addr:<15} {age:>9}  {}  Management1", cisco_mac(mac));
    }
    out
}

// ---------------------------------------------------------------- Cisco NX-OS

pub(crate) fn nxos_show_version(f: &Facts) -> String {
    let (w, d, h, m) = f.uptime();
    let serial = f.serial("9", 10);
    format!(
        "\
Cisco Nexus Operating System (NX-OS) Software
TAC support: http://www.cisco.com/tac
Copyright (C) 2002-2020, Cisco and/or its affiliates.
All rights reserved.
The copyrights to certain works contained in this software are
owned by other third parties and used and distributed under their own
licenses, such as open source.  This software is provided \"as is,\" and unless
otherwise stated, there is no warranty, express or implied, including but not
limited to warranties of merchantability and fitness for a particular purpose.

Software
  BIOS: version 
  NXOS: version 9.3(5)
  BIOS compile time:  
  NXOS image file is: bootflash:///nxos.9.3.5.bin
  NXOS compile time:  7/20/2020 20:00:00 [07/21/2020 06:30:11]


Hardware
  cisco Nexus9000 C9300v Chassis 
  Intel(R) Xeon(R) Gold 6148 CPU @ 2.40GHz with 16409064 kB of memory.
  Processor Board ID {serial}

  Device name: {host}
  bootflash:    4287040 kB
Kernel uptime is {days} day(s), {h} hour(s), {m} minute(s), {s} second(s)

Last reset 
  Reason: Unknown
  System version: 
  Service: 

plugin
  Core Plugin, Ethernet Plugin

Active Package(s):
",
        host = f.hostname,
        days = w * 7 + d,
        s = f.pick(7, 60),
    )
}

pub(crate) fn nxos_show_ip_interface_brief(f: &Facts) -> String {
    let mut out = String::from(
        "\nIP Interface Status for VRF \"default\"(1)\n\
         Interface            IP Address      Interface Status\n",
    );
    let rows = [
        ("Lo0", format!("192.168.{}.1", f.block())),
        ("Eth1/1", format!("172.16.{}.1", f.block())),
        ("Eth1/2", format!("172.16.{}.5", f.block())),
    ];
    for (name, ip) in rows {
        let _ = writeln!(
            out,
            "{name:<20} {ip:<15} protocol-up/link-up/admin-up       "
        );
    }
    out
}

pub(crate) fn nxos_show_ip_arp(f: &Facts) -> String {
    let neighbours = f.neighbours();
    let mut out = format!(
        "\n\
Flags: * - Adjacencies learnt on non-active FHRP router
       + - Adjacencies synced via CFSoE
       # - Adjacencies Throttled for Glean
       CP - Added via L2RIB, Control plane Adjacencies
       PS - Added via L2RIB, Peer Sync
       RO - Re-Originated Peer Sync Entry
       D - Static Adjacencies attached to down interface

IP ARP Table for context default
Total number of entries: {}
Address         Age       MAC Address     Interface       Flags
",
        neighbours.len()
    );
    for (i, (host, mac)) in neighbours.into_iter().enumerate() {
        let secs = f.pick(50 + i as u64, 1500);
        let age = format!("00:{:02}:{:02}", secs / 60, secs % 60);
        let addr = format!("10.220.88.{host}");
        let _ = writeln!(out, "{addr:<15} {age}  {}  mgmt0", cisco_mac(mac));
    }
    out
}

// ---------------------------------------------------------------- Juniper Junos

pub(crate) fn junos_show_version(f: &Facts) -> String {
    let (w, d, h, m) = f.uptime();
    let serial = f.serial("CV", 10);
    format!(
        "\
Hostname: {host}
Model: srx300
Serial number: {serial}
Junos: 21.4R3-S4.9
JUNOS Software Release [21.4R3-S4.9]
JUNOS OS Kernel 64-bit  [20230428.6b8a8c5_builder_stable_12]
JUNOS OS libs [20230428.6b8a8c5_builder_stable_12]
JUNOS OS runtime [20230428.6b8a8c5_builder_stable_12]
JUNOS OS time zone information [20230428.6b8a8c5_builder_stable_12]
JUNOS Packet Forwarding Engine Support (SRX300) [21.4R3-S4.9]
System uptime: {days} days, {h:02}:{m:02}

",
        host = f.hostname,
        days = w * 7 + d,
    )
}

pub(crate) fn junos_show_arp(f: &Facts) -> String {
    let neighbours = f.neighbours();
    let mut out = String::from(
        "MAC Address       Address         Name                      Interface               Flags\n",
    );
    for (host, mac) in &neighbours {
        let addr = format!("10.220.88.{host}");
        let _ = writeln!(
            out,
            "{} {addr:<15} {addr:<25} ge-0/0/0.0              none",
            colon_mac(*mac)
        );
    }
    let _ = writeln!(out, "Total entries: {}\n", neighbours.len());
    out
}

pub(crate) fn junos_show_interfaces_terse(f: &Facts) -> String {
    let rows: [(&str, &str, &str, String); 9] = [
        ("ge-0/0/0", "up", "", String::new()),
        ("ge-0/0/0.0", "up", "inet", format!("{}/24", f.mgmt_ip())),
        ("ge-0/0/1", "up", "", String::new()),
        (
            "ge-0/0/1.0",
            "up",
            "inet",
            format!("172.16.{}.1/30", f.block()),
        ),
        ("ge-0/0/2", "down", "", String::new()),
        ("gr-0/0/0", "up", "", String::new()),
        ("lo0", "up", "", String::new()),
        (
            "lo0.0",
            "up",
            "inet",
            format!("192.168.{}.1        --> 0/0", f.block()),
        ),
        ("st0", "up", "", String::new()),
    ];
    let mut out =
        String::from("Interface               Admin Link Proto    Local                 Remote\n");
    for (name, link, proto, local) in rows {
        let line = format!("{name:<23} up    {link:<4} {proto:<8} {local}");
        let _ = writeln!(out, "{}", line.trim_end());
    }
    out.push('\n');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outputs_are_stable_and_differ_between_devices() {
        let a = Facts::new("cisco3");
        let b = Facts::new("cisco4");
        assert_eq!(
            ios_show_version(&a),
            ios_show_version(&Facts::new("cisco3"))
        );
        assert_ne!(ios_show_version(&a), ios_show_version(&b));
        assert!(ios_show_version(&a).contains("cisco3 uptime is"));
        assert!(eos_show_version(&a).contains("Hostname: cisco3"));
        assert!(nxos_show_version(&a).contains("Device name: cisco3"));
        assert!(junos_show_version(&a).contains("Hostname: cisco3"));
    }

    #[test]
    fn serials_and_neighbours_look_right() {
        let f = Facts::new("nxos1");
        let s = f.serial("FDO", 8);
        assert_eq!(s.len(), 11);
        assert!(
            s.chars()
                .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
        );
        let n = f.neighbours();
        assert_eq!(n[0].0, 1);
        assert!(n.iter().all(|(h, _)| *h != f.mgmt_host()));
        assert!(ios_show_ip_arp(&f).contains("Internet  10.220.88.1 "));
        assert!(junos_show_arp(&f).contains("00:62:ec:29:70:fe"));
    }
}
