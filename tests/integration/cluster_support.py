"""What the cluster tests share: relaycast configs for edges, a fake origin that
answers garbage, and an RTMP player that records when each frame arrived."""

import socket
import threading
import time

from harness import HOST, RawRtmp, amf0_decode_all


def edge_config(origins, **cluster):
    """[cluster] for an edge pulling from `origins` (Server objects or URLs)."""
    urls = [o if isinstance(o, str) else f"rtmp://{HOST}:{o.rtmp_port}" for o in origins]
    lines = ["[cluster]", 'role = "edge"', "origins = [" + ", ".join(f'"{u}"' for u in urls) + "]"]
    for key, value in cluster.items():
        lines.append(f"{key} = {str(value).lower() if isinstance(value, bool) else value}")
    return "\n".join(lines) + "\n"


class GarbageOrigin:
    """Accepts RTMP connections and answers each with bytes that are not RTMP, or
    (silent) with nothing at all, holding the connection open."""

    def __init__(self, silent=False):
        self.silent = silent
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind((HOST, 0))
        self.sock.listen(8)
        self.port = self.sock.getsockname()[1]
        self.connections = 0
        self._stop = False
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    @property
    def url(self):
        return f"rtmp://{HOST}:{self.port}"

    def _serve(self):
        while not self._stop:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.connections += 1
            if self.silent:
                threading.Thread(target=self._hold, args=(conn,), daemon=True).start()
                continue
            try:
                conn.settimeout(2)
                conn.recv(4096)
                conn.sendall(b"HTTP/1.1 400 Bad Request\r\n\r\n" + bytes(range(256)) * 16)
                time.sleep(0.2)
            except OSError:
                pass
            finally:
                conn.close()

    @staticmethod
    def _hold(conn):
        try:
            conn.recv(4096)
            time.sleep(6)
        except OSError:
            pass
        finally:
            conn.close()

    def close(self):
        self._stop = True
        self.sock.close()


def closed_port_url():
    """An rtmp:// URL nothing listens on."""
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind((HOST, 0))
    port = s.getsockname()[1]
    s.close()
    return f"rtmp://{HOST}:{port}"


class RecordingPlayer:
    """Plays app/name over RTMP in a thread and records (arrival time, type, timestamp)
    of every audio and video message, and how the connection ended."""

    def __init__(self, port, stream, timeout=5.0):
        self.port, self.stream = port, stream
        self.frames = []  # (monotonic seconds, message type, timestamp ms)
        self.ended = None  # why the connection ended, once it has
        self.status = []   # onStatus codes, in order
        self.thread = threading.Thread(target=self._run, args=(timeout,), daemon=True)
        self.thread.start()

    def _run(self, timeout):
        app, name = self.stream.split("/", 1)
        rtmp = None
        try:
            rtmp = RawRtmp(self.port, timeout=timeout)
            rtmp.handshake()
            rtmp.connect(app)
            rtmp.command("createStream", 2, None)
            values = rtmp.read_command({"_result", "_error"})
            stream_id = int(values[3]) if len(values) > 3 and isinstance(values[3], float) else 1
            rtmp.command("play", 3, None, name, -2.0, msid=stream_id)
            while True:
                msg_type, _, ts, payload = rtmp.read_message()
                if msg_type in (8, 9):
                    self.frames.append((time.monotonic(), msg_type, ts))
                elif msg_type == 20:
                    values = amf0_decode_all(payload)
                    if values and values[0] == "onStatus" and len(values) > 3 and isinstance(values[3], dict):
                        self.status.append(values[3].get("code"))
        except (OSError, ConnectionError, AssertionError) as e:
            self.ended = f"{type(e).__name__}: {e}"
        finally:
            if rtmp:
                rtmp.close()

    def connected(self):
        return self.thread.is_alive()

    def video(self):
        return [(t, ts) for t, kind, ts in self.frames if kind == 9]

    def audio(self):
        return [(t, ts) for t, kind, ts in self.frames if kind == 8]
