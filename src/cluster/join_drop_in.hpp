#pragma once
// What `relaycast join` writes: conf.d/join.toml next to the node's config file
// (core/config.hpp reads conf.d/*.toml over the file), holding the [cluster] keys that
// make it an edge of the cluster a join bundle names. A drop-in rather than an edit of
// the operator's file: the packaged relaycast.toml stays as installed (a conffile that
// upgrades can update), running join again replaces the one file, and deleting it
// leaves the cluster.
#include <filesystem>
#include <string>

#include "cluster/join_bundle.hpp"
#include "core/error.hpp"

namespace relaycast::cluster {

struct JoinSettings {
  JoinBundle bundle;
  std::string node_id;          // cluster.node_id; empty: the default (<hostname>:<http.port>)
  std::string public_rtmp_url;  // empty: the default (from server.bind and rtmp.port)
  std::string public_http_url;
};

// The drop-in's text: a comment saying where it comes from, then TOML.
std::string render_join_drop_in(const JoinSettings& settings);

// conf.d/join.toml in the directory of `config_file`.
std::filesystem::path join_drop_in_path(const std::filesystem::path& config_file);

// Writes `text` there (atomically, mode 0640, group `relaycast` if there is one, else
// the config file's: the service's user can read it, other users cannot), unless it holds that already: false
// then. Errc::config says what could not be written.
Result<bool> write_join_drop_in(const std::filesystem::path& config_file, const std::string& text);

}  // namespace relaycast::cluster
