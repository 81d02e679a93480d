"""Push and forward between relaycast processes on 127.0.0.1:
- an origin with [[relay.push]] restreams what is published in app "live" to a second
  relaycast under app "mirror", where ffprobe plays it;
- a publish to an edge arrives at its origin (the edge forwards it), and plays there;
- an edge with forward_publish = false refuses a publish, saying why;
- a push whose target is down at first keeps retrying and gets through once it is up."""

import time
import unittest

import cluster_support as cs
from harness import FPS, HOST, IntegrationTest, Probe, Server, ffprobe_argv, free_ports, publisher_argv


class PushAndForward(IntegrationTest):
    SECONDS = 14

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.target = cls.start_class_server()
        cls.origin = cls.start_class_server(config=(
            "[cluster]\nbackoff_min_ms = 100\nbackoff_max_ms = 500\n"
            f'[[relay.push]]\napp = "live"\nstream = "*"\nurl = "rtmp://{HOST}:{cls.target.rtmp_port}/mirror"\n'))
        cls.edge = cls.start_class_server(config=cs.edge_config([cls.origin]))

    def probe(self, proc, timeout=20):
        status = proc.wait(timeout)
        self.assertEqual(status, 0, f"{proc.name} ended with {status}\n{proc.stderr()[-800:]}")
        return Probe(proc.stdout_bytes().decode(), proc.name)

    def assert_plays(self, probe):
        self.assert_h264_aac(probe)
        self.assertGreater(len(probe.packets_of("video")), FPS, f"{probe.what}: less than a second of video")
        self.assert_dts_monotonic(probe)

    def test_push_restreams_to_another_server(self):
        self.spawn("publisher", publisher_argv(self.origin.rtmp_url("live/pushed"), seconds=self.SECONDS))
        self.origin.wait_for_publish("live/pushed")
        self.target.wait_for_publish("mirror/pushed")
        self.assert_plays(self.probe(self.spawn("ffprobe mirror", ffprobe_argv(self.target.rtmp_url("mirror/pushed"), 3))))
        self.origin.wait_for_log(r"push of live/pushed to rtmp://127\.0\.0\.1:%d/mirror/push\.\.\.: publishing" %
                                 self.target.rtmp_port)

    def test_publish_to_an_edge_arrives_at_the_origin(self):
        publisher = self.spawn("publisher to edge", publisher_argv(self.edge.rtmp_url("live/forwarded"),
                                                                   seconds=self.SECONDS))
        self.edge.wait_for_publish("live/forwarded")
        self.origin.wait_for_publish("live/forwarded")
        self.assert_plays(self.probe(self.spawn("ffprobe origin", ffprobe_argv(self.origin.rtmp_url("live/forwarded"), 3))))
        self.edge.wait_for_log(r"forward of live/forwarded to rtmp://127\.0\.0\.1:%d/live/forw\.\.\.: publishing" %
                               self.origin.rtmp_port)
        self.assertTrue(publisher.running() or publisher.returncode == 0)

    def test_edge_without_forwarding_refuses_a_publish(self):
        edge = self.start_server(config=cs.edge_config([self.origin], forward_publish=False))
        publisher = self.spawn("publisher refused", publisher_argv(edge.rtmp_url("live/refused"), seconds=3))
        self.assertNotEqual(publisher.wait(15), 0, "the publish to a non-forwarding edge went through")
        edge.wait_for_log(r"refused publish of live/refused: this node is an edge and does not take publishes")

    def test_push_retries_until_its_target_is_up(self):
        rtmp_port, http_port = free_ports(2)
        origin = self.start_server(config=(
            "[cluster]\nbackoff_min_ms = 100\nbackoff_max_ms = 400\n"
            f'[[relay.push]]\napp = "live"\nstream = "late"\nurl = "rtmp://{HOST}:{rtmp_port}/live/late"\n'))
        self.spawn("publisher late", publisher_argv(origin.rtmp_url("live/late"), seconds=self.SECONDS))
        origin.wait_for_publish("live/late")
        origin.wait_for_log(r"push of live/late to .*Connection refused; next attempt in \d+ ms", timeout=5)
        # Now the target comes up, on the port the push was told.
        late = Server(self.workdir)
        self._watched.append(late)
        self.addCleanup(late.stop)
        late.start = _start_on(late, rtmp_port, http_port)
        late.start()
        late.wait_for_publish("live/late", timeout=10)
        self.assert_plays(self.probe(self.spawn("ffprobe late", ffprobe_argv(late.rtmp_url("live/late"), 2))))


def _start_on(server, rtmp_port, http_port):
    """Server.start on fixed ports (the push target must be where the config says)."""
    import harness

    def start(timeout=10):
        argv = [harness.relaycast_bin(), "serve", "--bind", HOST, "--rtmp-port", str(rtmp_port),
                "--http-port", str(http_port), "--srt-port", "0", "--log-level", "info", "--workers", "2"]
        server.rtmp_port, server.http_port = rtmp_port, http_port
        server.log_path = server.workdir.file("relaycast-late", "log")
        server.proc = harness.Proc("relaycast late", argv, server.workdir, stdout_path=server.log_path)
        if not server._wait_until_listening(timeout):
            raise AssertionError(f"the late target did not start\n{server.diagnostics()}")
        return server
    return start


if __name__ == "__main__":
    unittest.main()
