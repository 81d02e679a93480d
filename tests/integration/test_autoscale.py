"""The autoscaling hooks ([autoscale]), every node a relaycast process on 127.0.0.1:
- an origin sized for 2 viewers runs scale_up_command (a script written here that
  joins with RELAYCAST_JOIN_BUNDLE, as a cloud's user data would with
  RELAYCAST_JOIN_COMMAND, and starts another relaycast edge on loopback) when HTTP-FLV
  viewers push its load past scale_up_at, with RELAYCAST_SCALE_* saying why and how
  many; the new edge is listed in /api/v1/nodes;
- the scale-up cool-down holds while the load is high again;
- when the viewers leave, the edge is drained first, scale_down_command waits for its
  last viewer, then runs with RELAYCAST_NODE_ID and stops it;
- GET /api/v1/autoscale shows the decisions and the commands' outcomes;
- `relaycast autoscale plan` prints a decision and why, and runs nothing."""

import os
import signal
import time
import unittest

import api_support as api
from harness import HOST, IntegrationTest, curl_argv, free_ports, free_udp_port, publisher_argv, relaycast_bin

STREAM = "live/surge"

UP_SCRIPT = """#!/bin/sh
# Launches edge number N (1, 2, ...) of what the test prepared, in the background.
dir="{dir}"
n=$(( $(cat "$dir/launches" 2>/dev/null || echo 0) + 1 ))
echo $n > "$dir/launches"
env | grep '^RELAYCAST_' | sort > "$dir/up-$n.env"
read rtmp http srt < "$dir/ports-$n"
# What a cloud's user data does with RELAYCAST_JOIN_COMMAND, minus systemd: join with
# the bundle the origin signed for this launch, then serve.
"{binary}" join "$RELAYCAST_JOIN_BUNDLE" --config "$dir/edge-$n/relaycast.toml" > "$dir/join-$n.log" 2>&1 || exit 1
"{binary}" serve --config "$dir/edge-$n/relaycast.toml" --bind {host} --rtmp-port $rtmp --http-port $http \\
  --srt-port $srt --workers 1 > "$dir/edge-$n.log" 2>&1 &
echo $! > "$dir/auto-edge-$n.pid"
echo "launched auto-edge-$n" >&2
"""

DOWN_SCRIPT = """#!/bin/sh
dir="{dir}"
env | grep '^RELAYCAST_' | sort > "$dir/down-$RELAYCAST_NODE_ID.env"
kill $(cat "$dir/$RELAYCAST_NODE_ID.pid")
"""

PLAN_SCRIPT = """#!/bin/sh
touch "{dir}/plan-ran"
"""


def read_env(path):
    with open(path) as f:
        return dict(line.rstrip("\n").split("=", 1) for line in f if "=" in line)


def nodes_of(origin):
    reply = api.call(origin, "GET", "/api/v1/nodes")
    assert reply.status == 200, reply
    return {n["id"]: n for n in reply.json["nodes"]}


def autoscale_of(origin):
    reply = api.call(origin, "GET", "/api/v1/autoscale")
    assert reply.status == 200, reply
    return reply.json


def rules(state):
    return [d["rule"] for d in state["decisions"]]


def pid_alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie (the origin's shell is its parent and may not have reaped it) is dead.
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(") ")[1][0] != "Z"
    except OSError:
        return False


class ScalesUpAndDown(IntegrationTest):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.dir = cls.workdir.path
        up, down = os.path.join(cls.dir, "up.sh"), os.path.join(cls.dir, "down.sh")
        with open(up, "w") as f:
            f.write(UP_SCRIPT.format(dir=cls.dir, binary=relaycast_bin(), host=HOST))
        with open(down, "w") as f:
            f.write(DOWN_SCRIPT.format(dir=cls.dir))
        cls.origin = cls.start_class_server(config=(
            '[cluster]\nnode_id = "origin"\ncapacity = 4\nheartbeat_ms = 250\ndown_after_ms = 1500\n'
            "[autoscale]\nenabled = true\ntarget_load = 0.75\nscale_up_at = 0.9\nscale_down_at = 0.3\n"
            "max_edges = 3\nscale_up_cooldown_s = 60\nscale_down_cooldown_s = 2\nevaluate_ms = 250\n"
            "launch_timeout_s = 20\ndrain_timeout_s = 30\ncommand_timeout_s = 10\n"
            f'scale_up_command = "sh {up}"\nscale_down_command = "sh {down}"\n'))
        # What the script launches: edges sized for 4 viewers. Where they pull from and
        # heartbeat to comes from the join bundle in the script's environment.
        for n in (1, 2):
            rtmp, http = free_ports(2)
            with open(os.path.join(cls.dir, f"ports-{n}"), "w") as f:
                f.write(f"{rtmp} {http} {free_udp_port()}\n")
            edge_dir = os.path.join(cls.dir, f"edge-{n}")
            os.makedirs(edge_dir)
            with open(os.path.join(edge_dir, "relaycast.toml"), "w") as f:
                f.write(f'[server]\nstate_dir = "{edge_dir}/state"\n'
                        f'[cluster]\nnode_id = "auto-edge-{n}"\ncapacity = 4\nheartbeat_ms = 250\n'
                        "idle_timeout_ms = 60000\n")
            cls.addClassCleanup(cls.kill_launched, n)
        cls.spawn_class("publisher", publisher_argv(cls.origin.rtmp_url(STREAM), seconds=120))
        cls.origin.wait_for_publish(STREAM)

    @classmethod
    def kill_launched(cls, n):
        try:
            with open(os.path.join(cls.dir, f"auto-edge-{n}.pid")) as f:
                os.kill(int(f.read()), signal.SIGKILL)
        except (OSError, ValueError):
            pass

    def viewer(self, http_port, name):
        """An HTTP-FLV viewer (curl) of the stream on the node at `http_port`."""
        return self.spawn(name, curl_argv(f"http://{HOST}:{http_port}/{STREAM}.flv", "/dev/null", max_seconds=100))

    def launches(self):
        try:
            with open(os.path.join(self.dir, "launches")) as f:
                return int(f.read())
        except FileNotFoundError:
            return 0

    def test_scales_up_holds_the_cooldown_and_drains_before_scaling_down(self):
        origin = self.origin
        self.assertEqual(self.launches(), 0)
        # Four viewers on an origin sized for 4: load 100 % > 90 %.
        viewers = [self.viewer(origin.http_port, f"viewer-{i}") for i in range(4)]
        api.wait_until("the scale-up command run", lambda: self.launches() == 1, timeout=15)
        env = api.wait_until("the scale-up's environment",
                             lambda: os.path.exists(os.path.join(self.dir, "up-1.env")) and
                             read_env(os.path.join(self.dir, "up-1.env")))
        self.assertEqual(env["RELAYCAST_SCALE_ACTION"], "up")
        self.assertEqual(env["RELAYCAST_SCALE_COUNT"], "1")
        self.assertEqual(env["RELAYCAST_SCALE_RULE"], "above_scale_up")
        self.assertIn("above scale_up_at", env["RELAYCAST_SCALE_REASON"])
        self.assertGreater(float(env["RELAYCAST_CLUSTER_LOAD"]), 0.9)
        self.assertEqual(env["RELAYCAST_TARGET_LOAD"], "0.750")
        self.assertEqual(env["RELAYCAST_NODE_COUNT"], "1")
        self.assertEqual(env["RELAYCAST_ORIGIN_HTTP_URL"], f"http://{HOST}:{origin.http_port}")

        # The launched edge heartbeats and is listed; it is no longer counted as coming.
        api.wait_until("auto-edge-1 active in /api/v1/nodes",
                       lambda: nodes_of(origin).get("auto-edge-1", {}).get("state") == "active", timeout=15)
        api.wait_until("no launch pending", lambda: not autoscale_of(origin)["pending_launches"])
        # It joined with the token the origin signed for this launch: the command a
        # cloud's user data would run, and the node credential its first heartbeat got.
        self.assertRegex(env["RELAYCAST_JOIN_COMMAND"],
                         r"^relaycast join rcjoin1\.\S+ && systemctl restart relaycast$")
        self.assertIn(env["RELAYCAST_JOIN_BUNDLE"], env["RELAYCAST_JOIN_COMMAND"])
        self.assertTrue(os.path.exists(os.path.join(self.dir, "edge-1", "conf.d", "join.toml")))
        api.wait_until("auto-edge-1's node credential", lambda: os.path.exists(
            os.path.join(self.dir, "edge-1", "state", "node_credential.json")))
        command = autoscale_of(origin)["commands"][0]
        self.assertEqual((command["action"], command["succeeded"], command["exit_code"]), ("scale_up", True, 0),
                         command)
        self.assertIn("launched auto-edge-1", command["stderr"])

        # Load high again (four viewers on the edge too: 8 of 8, and the edge's pull of
        # the stream is one more on the origin): inside the cool-down nothing is
        # launched, and the decisions say why.
        with open(os.path.join(self.dir, "ports-1")) as f:
            edge_http = int(f.read().split()[1])
        edge_viewers = [self.viewer(edge_http, f"edge-viewer-{i}") for i in range(4)]
        api.wait_until("the cool-down decision", lambda: "cooldown_up" in rules(autoscale_of(origin)), timeout=15)
        time.sleep(1.5)
        self.assertEqual(self.launches(), 1, "a second edge was launched inside the scale-up cool-down")
        decision = next(d for d in autoscale_of(origin)["decisions"] if d["rule"] == "cooldown_up")
        self.assertIn("cool-down", decision["reason"])

        # `relaycast autoscale plan` now: a decision, and nothing run.
        status, out, err = api.cli(f"http://{HOST}:{origin.http_port}", "autoscale", "plan")
        self.assertEqual(status, 0, err)
        self.assertIn("decision: no change [cooldown_up]", out)
        self.assertIn("dry run", out)

        # The viewers leave but one on the edge (2 of 8 with the pull: 25 % < 30 %, and
        # 50 % on the origin alone): the edge is drained and waits for its viewer.
        for p in viewers + edge_viewers[:3]:
            p.kill()
        api.wait_until("auto-edge-1 drained", lambda: nodes_of(origin)["auto-edge-1"]["drained"], timeout=15)
        self.assertIn("below_scale_down", rules(autoscale_of(origin)))
        time.sleep(1.5)
        down_env = os.path.join(self.dir, "down-auto-edge-1.env")
        self.assertFalse(os.path.exists(down_env), "scale_down_command ran while the edge still had a viewer")
        self.assertIn("drain_in_progress", rules(autoscale_of(origin)))
        with open(os.path.join(self.dir, "auto-edge-1.pid")) as f:
            edge_pid = int(f.read())
        self.assertTrue(pid_alive(edge_pid))

        # The last viewer leaves: scale_down_command runs and stops the edge.
        edge_viewers[3].kill()
        env = api.wait_until("the scale-down's environment",
                             lambda: os.path.exists(down_env) and read_env(down_env), timeout=15)
        self.assertEqual(env["RELAYCAST_SCALE_ACTION"], "down")
        self.assertEqual(env["RELAYCAST_NODE_ID"], "auto-edge-1")
        self.assertEqual(env["RELAYCAST_SCALE_RULE"], "drain_done")
        api.wait_until("the launched edge stopped", lambda: not pid_alive(edge_pid), timeout=10)
        api.wait_until("auto-edge-1 down", lambda: nodes_of(origin)["auto-edge-1"]["state"] == "down", timeout=10)

        state = autoscale_of(origin)
        for rule in ("above_scale_up", "cooldown_up", "below_scale_down", "drain_in_progress", "drain_done"):
            self.assertIn(rule, rules(state))
        actions = [c["action"] for c in state["commands"]]
        self.assertEqual(actions, ["scale_down", "scale_up"], state["commands"])
        self.assertTrue(all(c["succeeded"] for c in state["commands"]), state["commands"])
        self.assertEqual(self.launches(), 1)
        self.assertEqual(len(origin.log_lines(r"autoscale: scale up by 1 edge")), 1)
        self.assertEqual(len(origin.log_lines(r"autoscale: drain auto-edge-1")), 1)

        # `relaycast autoscale status` tells the same story.
        status, out, err = api.cli(f"http://{HOST}:{origin.http_port}", "autoscale", "status")
        self.assertEqual(status, 0, err)
        self.assertIn("autoscale: enabled", out)
        self.assertIn("scale down auto-edge-1", out)


class PlanRunsNothing(IntegrationTest):
    """An origin with the autoscaler off, and an edge reporting more viewers than it is
    sized for (a heartbeat sent by the test): plan says what it would do and why."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.script = os.path.join(cls.workdir.path, "plan.sh")
        with open(cls.script, "w") as f:
            f.write(PLAN_SCRIPT.format(dir=cls.workdir.path))
        cls.origin = cls.start_class_server(config=(
            '[cluster]\nnode_id = "origin"\ncapacity = 0\n'
            f'[autoscale]\nevaluate_ms = 100\nscale_up_command = "sh {cls.script}"\n'))

    def test_plan_prints_the_decision_and_runs_nothing(self):
        reply = api.call(self.origin, "POST", "/api/v1/nodes/heartbeat",
                         body={"id": "busy-edge", "role": "edge", "viewers": 30, "capacity": 10})
        self.assertEqual(reply.status, 200, reply)
        status, out, err = api.cli(f"http://{HOST}:{self.origin.http_port}", "autoscale", "plan")
        self.assertEqual(status, 0, err)
        # 30 of 10: 30 / 0.7 = 42.9 of capacity needed, 4 more edges of 10.
        self.assertIn("decision: scale up by 4 edge(s) [above_scale_up]", out)
        self.assertIn("load 300 % is above scale_up_at", out)
        self.assertIn("autoscale.enabled is false", out)
        status, out, err = api.cli(f"http://{HOST}:{self.origin.http_port}", "autoscale", "plan", "--json")
        self.assertEqual(status, 0, err)
        time.sleep(0.5)
        self.assertFalse(os.path.exists(os.path.join(self.workdir.path, "plan-ran")), "plan ran the command")
        state = autoscale_of(self.origin)
        self.assertEqual((state["enabled"], state["decisions"], state["commands"]), (False, [], []))
        self.assertEqual(state["plan"]["action"], "scale_up")
        self.assertEqual(api.call(self.origin, "GET", "/api/v1/nodes").json["nodes"][0]["drained"], False)


if __name__ == "__main__":
    unittest.main()
