"""Events (API, CLI, persistence across a restart) and the web pages the server serves
itself: the dashboard, /watch and /event pages with their files and hls.js built into
the binary, the public status the players poll, web.directory for development, and the
recent refusals and health changes the dashboard shows (GET /api/v1/log/recent)."""

import json
import os
import re

import harness
from harness import publisher_argv
from api_support import call, cli, wait_until

EVENT = {"id": "meetup-42", "title": "Meetup #42",
         "sources": [{"name": "camera", "stream": "live/cam"}, {"name": "slides", "stream": "live/screen"}]}


class WebTest(harness.IntegrationTest):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.state_dir = os.path.join(cls.workdir.path, "state")
        cls.config = f'[server]\nstate_dir = "{cls.state_dir}"\n'
        cls.server = cls.start_class_server(cls.config)
        cls.url = f"http://{harness.HOST}:{cls.server.http_port}"

    def page(self, path, status=200):
        r = call(self.server, "GET", path)
        self.assertEqual(r.status, status, f"GET {path}: {r}")
        return r

    # --- events through the API

    def test_events_create_list_show_remove_and_errors(self):
        r = call(self.server, "POST", "/api/v1/events", body={**EVENT, "id": "api-event"})
        self.assertEqual(r.status, 201, r)
        self.assertEqual(r.json["sources"], EVENT["sources"])
        self.assertRegex(r.json["created_at"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
        listed = call(self.server, "GET", "/api/v1/events").json
        self.assertIn("api-event", [e["id"] for e in listed["events"]])
        self.assertEqual(listed["file"], os.path.join(self.state_dir, "events.json"))
        shown = call(self.server, "GET", "/api/v1/events/api-event")
        self.assertEqual((shown.status, shown.json["title"]), (200, "Meetup #42"), shown)

        again = call(self.server, "POST", "/api/v1/events", body={**EVENT, "id": "api-event"})
        self.assertEqual(again.status, 409, again)
        for body, detail in ((b"{", "must be JSON"),
                             ({"id": "bad id", "sources": EVENT["sources"]}, "letters, digits"),
                             ({"id": "x", "sources": []}, "\"sources\" is required"),
                             ({"id": "x", "sources": [{"name": "cam", "stream": "nope"}]}, "is not app/name"),
                             ({"id": "x", "sources": [{"name": "a", "stream": "live/a"},
                                                      {"name": "a", "stream": "live/b"}]}, "given twice")):
            bad = call(self.server, "POST", "/api/v1/events", body=body)
            self.assertEqual(bad.status, 400, f"{body}: {bad}")
            self.assertIn(detail, bad.json["detail"], bad)

        removed = call(self.server, "DELETE", "/api/v1/events/api-event")
        self.assertEqual(removed.status, 200, removed)
        self.assertEqual(call(self.server, "GET", "/api/v1/events/api-event").status, 404)
        gone = call(self.server, "DELETE", "/api/v1/events/api-event")
        self.assertEqual(gone.status, 404, gone)
        self.assertIn("not found", gone.json["detail"])

    # --- the CLI, and a restart

    def test_cli_events_survive_a_restart(self):
        state = os.path.join(self.workdir.path, "restart-state")
        config = f'[server]\nstate_dir = "{state}"\n'
        first = self.start_server(config)
        url = f"http://{harness.HOST}:{first.http_port}"
        status, out, err = cli(url, "events", "create", "phpers-42", "--source", "camera=live/cam",
                               "--source", "slides=live/screen", "--title", "PHPers #42")
        self.assertEqual(status, 0, err)
        self.assertIn(f"watch at {url}/event/phpers-42", out)
        status, out, err = cli(url, "events", "create", "phpers-42", "--source", "camera=live/cam")
        self.assertEqual(status, 1, out)
        self.assertIn("exists", err)
        status, out, err = cli(url, "events", "create", "x", "--source", "camera")
        self.assertNotEqual(status, 0, out)
        self.assertIn("NAME=APP/NAME", err)
        first.stop()

        second = self.start_server(config)
        url = f"http://{harness.HOST}:{second.http_port}"
        status, out, err = cli(url, "events", "ls")
        self.assertEqual(status, 0, err)
        self.assertRegex(out, r"phpers-42\s+PHPers #42\s+camera=live/cam, slides=live/screen")
        status, out, err = cli(url, "events", "ls", "--json")
        self.assertEqual(json.loads(out)["events"][0]["sources"],
                         [{"name": "camera", "stream": "live/cam"}, {"name": "slides", "stream": "live/screen"}])
        # The page of a persisted event is there after the restart.
        self.assertEqual(call(second, "GET", "/event/phpers-42").status, 200)
        status, out, err = cli(url, "events", "rm", "phpers-42")
        self.assertEqual((status, out), (0, "removed event phpers-42\n"), err)
        status, out, err = cli(url, "events", "rm", "phpers-42")
        self.assertEqual(status, 1)
        self.assertIn("event phpers-42 not found", err)
        second.stop()
        third = self.start_server(config)
        self.assertEqual(call(third, "GET", "/api/v1/events").json["events"], [])

    # --- pages and files from the binary

    def test_pages_and_files_are_served_from_the_binary(self):
        for path, marker in (("/", "relaycast dashboard"), ("/watch/live/cam", "/web/js/watch.js")):
            r = self.page(path)
            self.assertTrue(r.headers["Content-Type"].startswith("text/html"), r.headers)
            self.assertIn(marker, r.text)
            # Every file the page names is served (no CDN: nothing outside /web/).
            for ref in re.findall(r'(?:src|href)="([^"]+)"', r.text):
                if ref.startswith("#"):
                    continue
                self.assertTrue(ref.startswith("/web/"), f"{path} loads {ref} from outside the binary")
                self.page(ref)
        hls = self.page("/web/hls.min.js")
        self.assertEqual(hls.headers["Content-Type"], "text/javascript; charset=utf-8")
        self.assertGreater(len(hls.text), 100_000, "hls.js is bundled")
        self.assertIn("lowLatencyMode", hls.text)
        self.assertNotIn("sourceMappingURL", hls.text)
        self.assertIn("export class SourcePlayer", self.page("/web/js/source_player.js").text)
        self.assertEqual(self.page("/web/css/relaycast.css").headers["Content-Type"], "text/css; charset=utf-8")
        for missing in ("/web/nope.js", "/web/../CMakeLists.txt", "/web/.hidden", "/event/no-such-event",
                        "/watch/live/a/b/c"):
            self.assertEqual(call(self.server, "GET", missing).status, 404, missing)
        self.assertEqual(call(self.server, "POST", "/", body={}).status, 405)

    def test_server_tells_the_ports_for_the_publish_urls(self):
        ports = call(self.server, "GET", "/api/v1/server").json["ports"]
        self.assertEqual(ports, {"rtmp": self.server.rtmp_port, "http": self.server.http_port})

    def test_status_the_players_poll(self):
        off = self.page("/watch/live/status-test/status").json
        self.assertEqual(off, {"stream": "live/status-test", "live": False,
                               "playlists": {"ll": "/live/status-test/ll.m3u8", "ts": "/live/status-test/index.m3u8",
                                             "master": "/live/status-test/master.m3u8"}})
        since = self.server.mark()
        self.spawn("publisher", publisher_argv(self.server.rtmp_url("live/status-test"), seconds=30))
        self.server.wait_for_publish("live/status-test", since=since)
        wait_until("status says live", lambda: self.page("/watch/live/status-test/status").json["live"], 10)
        call(self.server, "POST", "/api/v1/events",
             body={"id": "status-event", "sources": [{"name": "camera", "stream": "live/status-test"},
                                                     {"name": "slides", "stream": "live/nobody"}]})
        event = self.page("/event/status-event/status").json
        self.assertEqual([(s["name"], s["live"]) for s in event["sources"]], [("camera", True), ("slides", False)])
        self.assertEqual(call(self.server, "GET", "/event/nope/status").status, 404)

    def test_web_directory_is_read_first(self):
        web = os.path.join(self.workdir.path, "web")
        os.makedirs(os.path.join(web, "js"))
        with open(os.path.join(web, "index.html"), "w") as f:
            f.write("<!doctype html><title>from disk</title>")
        server = self.start_server(f'[web]\ndirectory = "{web}"\n')
        r = call(server, "GET", "/")
        self.assertIn("from disk", r.text)
        # What the folder lacks still comes from the binary.
        self.assertEqual(call(server, "GET", "/web/js/watch.js").status, 200)
        disabled = self.start_server("[web]\nenabled = false\n")
        self.assertEqual(call(disabled, "GET", "/").status, 404)
        self.assertEqual(call(disabled, "GET", "/api/v1/events").status, 200)

    # --- recent refusals and health changes

    def test_recent_log_has_refusals_and_health_changes(self):
        since = self.server.mark()
        proc = self.spawn("short publisher", publisher_argv(self.server.rtmp_url("live/log-test"), seconds=2))
        self.server.wait_for_publish("live/log-test", since=since)
        proc.wait(15)
        # A play of a stream nobody publishes is refused; the stopped one goes offline.
        call(self.server, "GET", "/live/nobody-here.flv")

        def entries():
            return call(self.server, "GET", "/api/v1/log/recent").json["entries"]
        wait_until("a refusal is listed",
                   lambda: [e for e in entries() if e["kind"] == "refusal" and "live/nobody-here" in e["message"]], 10)
        health = wait_until("a health change is listed",
                            lambda: [e for e in entries() if e["kind"] == "health" and "live/log-test" in e["message"]],
                            15)
        self.assertIn("offline", health[-1]["message"])
        self.assertRegex(health[-1]["time"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
        all_entries = entries()
        newest = all_entries[-1]["seq"]
        self.assertEqual(call(self.server, "GET", f"/api/v1/log/recent?after={newest}").json["entries"], [])
        self.assertEqual(len(call(self.server, "GET", "/api/v1/log/recent?limit=1").json["entries"]), 1)
        self.assertEqual(call(self.server, "GET", "/api/v1/log/recent?limit=x").status, 400)
