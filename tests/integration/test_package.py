"""The Debian package (scripts/package-deb.sh, `make package`): it builds from the
tree RELAYCAST_BIN belongs to; it holds the binary, the config and the systemd unit,
owned by root; its Depends name every library the binary links; unpacked with
`dpkg -x`, its binary runs on its own default config and serves the API; and
`systemd-analyze verify` accepts its unit (where systemd-analyze exists)."""

import glob
import json
import os
import re
import shutil
import signal
import subprocess
import time
import unittest
import urllib.request

from harness import HERE, HOST, IntegrationTest, free_ports, free_udp_port, port_accepts, relaycast_bin, tail

ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
SCRIPT = os.path.join(ROOT, "scripts", "package-deb.sh")
BINARY = "usr/bin/relaycast"
CONFIG = "etc/relaycast/relaycast.toml"
UNIT = "lib/systemd/system/relaycast.service"
MAN_PAGE = "usr/share/man/man1/relaycast.1.gz"


def project_version():
    with open(os.path.join(ROOT, "CMakeLists.txt")) as f:
        match = re.search(r"^project\(relaycast VERSION ([0-9.]+)", f.read(), re.M)
    assert match, "no project(relaycast VERSION x.y.z) in CMakeLists.txt"
    return match.group(1)


def run(argv, timeout=60, **kwargs):
    return subprocess.run(argv, capture_output=True, text=True, timeout=timeout, **kwargs)


def owning_package(library):
    """The Debian package that installed a library file (merged /usr: either path)."""
    real = os.path.realpath(library)
    candidates = {library, real}
    for path in list(candidates):
        if path.startswith("/usr/"):
            candidates.add(path[len("/usr"):])
        else:
            candidates.add("/usr" + path)
    for path in candidates:
        out = run(["dpkg", "-S", path])
        if out.returncode == 0:
            return out.stdout.split(":")[0].strip()
    return None


def provided_by(package):
    """The virtual packages an installed package provides."""
    out = run(["dpkg-query", "-W", "-f=${Provides}", package])
    return {re.split(r"[ (]", p.strip())[0] for p in out.stdout.split(",") if p.strip()}


class PackageTest(IntegrationTest):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        for tool in ("dpkg-deb", "dpkg", "strip"):
            if not shutil.which(tool):
                raise unittest.SkipTest(f"{tool} is not installed")
        cls.version = project_version()
        build_dir = os.path.dirname(os.path.abspath(relaycast_bin()))
        out_dir = os.path.join(cls.workdir.path, "out")
        started = time.monotonic()
        built = run(["bash", SCRIPT, build_dir, out_dir], timeout=120)
        cls.build_seconds = time.monotonic() - started
        if built.returncode != 0:
            raise AssertionError(f"package-deb.sh failed ({built.returncode}):\n{built.stdout}\n{built.stderr}")
        debs = glob.glob(os.path.join(out_dir, "*.deb"))
        assert len(debs) == 1, f"package-deb.sh made {debs}, expected one .deb"
        cls.deb = debs[0]
        cls.root = os.path.join(cls.workdir.path, "root")
        extracted = run(["dpkg", "-x", cls.deb, cls.root])
        assert extracted.returncode == 0, f"dpkg -x {cls.deb}: {extracted.stderr}"
        cls.control = os.path.join(cls.workdir.path, "control")
        control = run(["dpkg-deb", "-e", cls.deb, cls.control])
        assert control.returncode == 0, f"dpkg-deb -e {cls.deb}: {control.stderr}"

    def field(self, name):
        out = run(["dpkg-deb", "-f", self.deb, name])
        self.assertEqual(out.returncode, 0, out.stderr)
        return out.stdout.strip()

    # -- the archive -----------------------------------------------------------------

    def test_file_name_says_version_and_architecture(self):
        arch = run(["dpkg", "--print-architecture"]).stdout.strip()
        self.assertEqual(os.path.basename(self.deb), f"relaycast_{self.version}_{arch}.deb")
        self.assertEqual(self.field("Package"), "relaycast")
        self.assertEqual(self.field("Version"), self.version)
        self.assertEqual(self.field("Architecture"), arch)

    def test_contents_list_binary_config_unit_all_owned_by_root(self):
        listing = run(["dpkg-deb", "-c", self.deb])
        self.assertEqual(listing.returncode, 0, listing.stderr)
        entries = {}
        for line in listing.stdout.splitlines():
            mode, owner, _size, _date, _time, path = line.split(None, 5)
            entries[path.removeprefix("./").rstrip("/")] = (mode, owner)
        for path, mode in ((BINARY, "-rwxr-xr-x"), (CONFIG, "-rw-r--r--"), (UNIT, "-rw-r--r--"),
                           (MAN_PAGE, "-rw-r--r--")):
            self.assertIn(path, entries, f"{path} is not in the package:\n{listing.stdout}")
            self.assertEqual(entries[path][0], mode, f"mode of {path}")
        not_root = {p: o for p, (_m, o) in entries.items() if o != "root/root"}
        self.assertEqual(not_root, {}, "files not owned by root/root")

    def test_binary_is_stripped_and_smaller_than_the_build(self):
        packaged = os.path.join(self.root, BINARY)
        self.assertLess(os.path.getsize(packaged), os.path.getsize(relaycast_bin()))
        self.assertNotIn(".debug_info", run(["objdump", "-h", packaged]).stdout)

    def test_config_is_a_conffile_and_scripts_are_valid_shell(self):
        with open(os.path.join(self.control, "conffiles")) as f:
            self.assertEqual(f.read().split(), ["/" + CONFIG])
        for script in ("postinst", "prerm", "postrm"):
            path = os.path.join(self.control, script)
            self.assertTrue(os.access(path, os.X_OK), f"{script} is not executable")
            checked = run(["sh", "-n", path])
            self.assertEqual(checked.returncode, 0, f"{script}: {checked.stderr}")
        with open(os.path.join(self.control, "postinst")) as f:
            self.assertIn("adduser --quiet --system --group", f.read())

    def run_maintainer_script(self, script, *args, user_exists=False):
        """A maintainer script with adduser, getent, install and systemctl replaced by
        stubs that log their arguments: which commands it runs, without touching this
        machine. (No systemd runs here, so the daemon-reload/start branch is not taken.)"""
        stubs = os.path.join(self.workdir.path, f"stubs-{script}-{int(user_exists)}")
        os.makedirs(stubs, exist_ok=True)
        calls = os.path.join(stubs, "calls")
        for name, status in (("adduser", 0), ("install", 0), ("systemctl", 0), ("getent", 0 if user_exists else 2)):
            with open(os.path.join(stubs, name), "w") as f:
                f.write(f'#!/bin/sh\necho "{name} $*" >> "{calls}"\nexit {status}\n')
            os.chmod(os.path.join(stubs, name), 0o755)
        env = dict(os.environ, PATH=f"{stubs}:{os.environ.get('PATH', '/usr/bin:/bin')}")
        out = run(["sh", os.path.join(self.control, script), *args], env=env)
        self.assertEqual(out.returncode, 0, f"{script} {' '.join(args)}: {out.stderr}")
        if not os.path.exists(calls):
            return []
        with open(calls) as f:
            return f.read().splitlines()

    def test_postinst_creates_the_user_and_state_dir_and_enables_the_unit(self):
        calls = self.run_maintainer_script("postinst", "configure", "")
        self.assertIn("getent passwd relaycast", calls)
        adduser = [c for c in calls if c.startswith("adduser ")]
        self.assertEqual(len(adduser), 1, calls)
        self.assertRegex(adduser[0], r"--system .*--group .*--home /var/lib/relaycast .*relaycast$")
        self.assertIn("install -d -o relaycast -g relaycast -m 0750 /var/lib/relaycast /var/lib/relaycast/recordings",
                      calls)
        self.assertIn("systemctl enable relaycast.service", calls)
        # Upgrade or reinstall: the user is there already and is not made again.
        again = self.run_maintainer_script("postinst", "configure", self.version, user_exists=True)
        self.assertFalse([c for c in again if c.startswith("adduser ")], again)

    def test_prerm_disables_the_unit_on_remove_but_not_on_upgrade(self):
        self.assertIn("systemctl disable relaycast.service", self.run_maintainer_script("prerm", "remove"))
        self.assertEqual(self.run_maintainer_script("prerm", "upgrade", self.version, user_exists=True), [])

    def test_depends_names_every_library_the_binary_links(self):
        depends = {re.split(r"[ (]", d.strip())[0] for d in self.field("Depends").split(",")}
        self.assertIn("adduser", depends, "postinst needs adduser")
        linked = run(["ldd", relaycast_bin()]).stdout
        libraries = re.findall(r"=> (/\S+)", linked)
        self.assertTrue(libraries, f"ldd found no libraries:\n{linked}")
        missing = {}
        for library in libraries:
            package = owning_package(library)
            if not package:
                continue
            # A library's shlibs may name a virtual package its real one provides
            # (libspdlog1.10 provides libspdlog1.10-fmt9): either satisfies the binary.
            names = {package.split(":")[0]} | provided_by(package)
            if not names & depends:
                missing[library] = sorted(names)
        self.assertEqual(missing, {}, f"libraries whose package is not in Depends ({sorted(depends)})")

    def test_man_page_has_every_command(self):
        out = run(["sh", "-c", f"gzip -dc '{os.path.join(self.root, MAN_PAGE)}'"])
        self.assertEqual(out.returncode, 0, out.stderr)
        self.assertIn(".TH RELAYCAST 1", out.stdout)
        for command in ("serve", "status", "streams", "keys"):
            self.assertIn(f'.SH "relaycast {command}"', out.stdout)
        self.assertIn("--config", out.stdout)

    # -- the extracted binary on the packaged config ---------------------------------

    def packaged_config(self, uncomment=False):
        """The package's config, its /var/lib/relaycast paths moved into the work
        directory; with uncomment, every commented `key = value` and [[table]] too
        (the defaults it documents must be keys the server knows, with valid values)."""
        with open(os.path.join(self.root, CONFIG)) as f:
            text = f.read()
        self.assertIn('state_dir = "/var/lib/relaycast"', text)
        self.assertIn('directory = "/var/lib/relaycast/recordings"', text)
        if uncomment:
            text = re.sub(r"^# ([a-z_]+ = .*)$", r"\1", text, flags=re.M)
            text = re.sub(r"^# (\[\[[a-z_.]+\]\])", r"\1", text, flags=re.M)
        state = os.path.join(self.workdir.path, "state-uncommented" if uncomment else "state")
        text = text.replace("/var/lib/relaycast", state)
        path = self.workdir.file("packaged-uncommented" if uncomment else "packaged", "toml")
        with open(path, "w") as f:
            f.write(text)
        return path, state

    def start_packaged(self, config):
        """The extracted binary on `config`, its listeners moved to free loopback ports."""
        binary = os.path.join(self.root, BINARY)
        for _ in range(3):
            rtmp_port, http_port = free_ports(2)
            argv = [binary, "serve", "--config", config, "--bind", HOST, "--rtmp-port", str(rtmp_port),
                    "--http-port", str(http_port), "--srt-port", str(free_udp_port()), "--workers", "1"]
            proc = self.spawn("packaged-relaycast", argv)
            deadline = time.monotonic() + 10
            while proc.running() and time.monotonic() < deadline:
                if port_accepts(http_port) and port_accepts(rtmp_port):
                    return proc, http_port
                time.sleep(0.05)
            output = read_all(proc)
            proc.kill()
            if "address already in use" not in output.lower():
                break
        self.fail(f"the packaged relaycast did not start on {config}:\n{tail(output, 20)}")

    def stop(self, proc):
        proc.popen.send_signal(signal.SIGTERM)
        self.assertEqual(proc.wait(10), 0, f"exit status after SIGTERM\n{tail(read_all(proc), 20)}")

    def test_extracted_binary_prints_the_version(self):
        out = run([os.path.join(self.root, BINARY), "--version"])
        self.assertEqual((out.returncode, out.stdout.strip()), (0, self.version), out.stderr)

    def test_extracted_binary_serves_the_api_on_the_packaged_config(self):
        config, state = self.packaged_config()
        proc, http_port = self.start_packaged(config)
        with urllib.request.urlopen(f"http://{HOST}:{http_port}/api/v1/server", timeout=5) as response:
            self.assertEqual(response.status, 200)
            server = json.load(response)
        self.assertEqual(server.get("version"), self.version, server)
        with urllib.request.urlopen(f"http://{HOST}:{http_port}/", timeout=5) as response:
            self.assertIn("text/html", response.headers.get("Content-Type", ""), "the dashboard is in the binary")
        self.stop(proc)
        self.assertFalse(re.search(r"\b(error|critical)\b", read_all(proc), re.I), read_all(proc))

    def test_every_documented_default_in_the_config_is_accepted(self):
        config, _state = self.packaged_config(uncomment=True)
        with open(config) as f:
            text = f.read()
        # The uncommenting did something: a key from every section is now live.
        for key in ("bind = ", "chunk_size = ", "latency_ms = ", "segment_ms = ", "heartbeat_ms = ",
                    "on_publish = ", "[[relay.push]]", "[[auth.publish_keys]]"):
            self.assertTrue(re.search(rf"(?m)^{re.escape(key)}", text), f"{key!r} is not uncommented in {config}")
        proc, _http_port = self.start_packaged(config)
        self.stop(proc)

    # -- the systemd unit --------------------------------------------------------------

    def verify_root(self):
        """The extracted package plus what `systemd-analyze verify --root` looks up
        besides it: the host's targets and slices, and /bin/kill (ExecReload)."""
        root = os.path.join(self.workdir.path, "verify-root")
        if os.path.isdir(root):
            return root
        shutil.copytree(self.root, root, symlinks=True)
        units = os.path.join(root, "usr/lib/systemd/system")
        os.makedirs(units, exist_ok=True)
        # One of these two is the other with a merged /usr.
        host_units = {os.path.realpath(d) for d in ("/usr/lib/systemd/system", "/lib/systemd/system")}
        for directory in sorted(host_units):
            for unit in glob.glob(f"{directory}/*.target") + glob.glob(f"{directory}/*.slice"):
                if not os.path.lexists(os.path.join(units, os.path.basename(unit))):
                    shutil.copy(unit, units, follow_symlinks=False)
        os.makedirs(os.path.join(root, "bin"), exist_ok=True)
        shutil.copy(shutil.which("kill") or "/bin/kill", os.path.join(root, "bin", "kill"))
        return root

    def analyze(self, *args):
        return run(["systemd-analyze", *args])

    def test_systemd_analyze_verify_accepts_the_unit(self):
        if not shutil.which("systemd-analyze"):
            self.skipTest("systemd-analyze is not installed: the unit is not verified")
        with open(os.path.join(self.root, UNIT)) as f:
            unit = f.read()
        for line in ("ExecStart=/usr/bin/relaycast serve --config /etc/relaycast/relaycast.toml",
                     "Restart=on-failure", "User=relaycast", "StateDirectory=relaycast", "NoNewPrivileges=yes",
                     "ProtectSystem=strict", "ProtectHome=yes", "PrivateTmp=yes", "CapabilityBoundingSet=",
                     "RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX"):
            self.assertRegex(unit, rf"(?m)^{re.escape(line)}$")
        root = self.verify_root()
        verified = self.analyze("verify", "--man=no", f"--root={root}", "/" + UNIT)
        # Unknown keys and bad values are only warnings (exit 0): any output fails.
        self.assertEqual((verified.returncode, verified.stdout + verified.stderr), (0, ""))
        security = self.analyze("security", "--offline=yes", f"--root={root}", "/" + UNIT)
        exposure = re.search(r"Overall exposure level for relaycast\.service: ([0-9.]+)", security.stdout)
        self.assertTrue(exposure, security.stdout + security.stderr)
        print(f"\nsystemd-analyze security: exposure {exposure.group(1)}; package built in "
              f"{self.build_seconds:.1f} s, {os.path.getsize(self.deb) // 1024} KiB")
        self.assertLessEqual(float(exposure.group(1)), 2.0, tail(security.stdout, 30))

    def test_systemd_analyze_verify_rejects_a_broken_unit(self):
        """The check above can fail: the same root with a misspelt unit is reported."""
        if not shutil.which("systemd-analyze"):
            self.skipTest("systemd-analyze is not installed")
        root = self.verify_root()
        with open(os.path.join(root, UNIT)) as f:
            broken = f.read().replace("Restart=on-failure", "Restart=sometimes")
        path = os.path.join(root, "lib/systemd/system/relaycast-broken.service")
        with open(path, "w") as f:
            f.write(broken)
        verified = self.analyze("verify", "--man=no", f"--root={root}", "/lib/systemd/system/relaycast-broken.service")
        self.assertIn("sometimes", verified.stdout + verified.stderr)


def read_all(proc):
    with open(proc.stdout_path, "rb") as f:
        out = f.read().decode("utf-8", "replace")
    return out + proc.stderr()


if __name__ == "__main__":
    unittest.main()
