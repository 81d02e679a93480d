// The dashboard's client of /api/v1. With api.token set on the server every call needs
// "Authorization: Bearer <token>": the page asks for it once and keeps it in
// localStorage (this browser only). Without a token the API answers only on loopback.

const TOKEN_KEY = "relaycast.token";

export class ApiError extends Error {
  constructor(status, error, detail) {
    super(detail ? `${error}: ${detail}` : error);
    this.status = status;
    this.error = error;
  }
}

export function token() {
  try {
    return localStorage.getItem(TOKEN_KEY) || "";
  } catch {
    return "";
  }
}

export function setToken(value) {
  try {
    if (value) localStorage.setItem(TOKEN_KEY, value);
    else localStorage.removeItem(TOKEN_KEY);
  } catch {
    // Private mode without storage: the token lasts for this page only.
  }
  sessionToken = value;
}

let sessionToken = token();

// One call; resolves with the JSON body, rejects with an ApiError (status 0: the server
// did not answer).
export async function api(method, path, body) {
  const headers = { Accept: "application/json" };
  if (sessionToken) headers.Authorization = `Bearer ${sessionToken}`;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  let response;
  try {
    response = await fetch(`/api/v1/${path}`, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      cache: "no-store",
    });
  } catch (e) {
    throw new ApiError(0, "server not reachable", String(e.message || e));
  }
  let json = null;
  try {
    json = await response.json();
  } catch {
    // Not JSON: reported below by status.
  }
  if (!response.ok) throw new ApiError(response.status, json?.error || `HTTP ${response.status}`, json?.detail || "");
  return json;
}
