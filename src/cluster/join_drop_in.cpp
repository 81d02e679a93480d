#include "cluster/join_drop_in.hpp"

#include <grp.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <fstream>
#include <sstream>

#include <toml++/toml.h>

namespace relaycast::cluster {
namespace fs = std::filesystem;

std::string render_join_drop_in(const JoinSettings& s) {
  toml::array origins, heartbeat_urls;
  for (const auto& url : s.bundle.origins) origins.push_back(url);
  for (const auto& url : s.bundle.heartbeat_urls) heartbeat_urls.push_back(url);
  toml::table cluster{{"role", "edge"},
                      {"origins", std::move(origins)},
                      {"heartbeat_urls", std::move(heartbeat_urls)},
                      {"join_token", s.bundle.token}};
  if (!s.node_id.empty()) cluster.insert("node_id", s.node_id);
  if (!s.public_rtmp_url.empty()) cluster.insert("public_rtmp_url", s.public_rtmp_url);
  if (!s.public_http_url.empty()) cluster.insert("public_http_url", s.public_http_url);
  std::ostringstream out;
  out << "# Written by `relaycast join`: this node is an edge of the cluster below. Running it\n"
         "# again replaces this file; delete it (and restart) to leave the cluster. Keys here\n"
         "# override the same keys of the config file.\n"
      << toml::table{{"cluster", std::move(cluster)}} << "\n";
  return out.str();
}

fs::path join_drop_in_path(const fs::path& config_file) {
  std::error_code ec;
  return fs::absolute(config_file, ec).parent_path() / "conf.d" / "join.toml";
}

Result<bool> write_join_drop_in(const fs::path& config_file, const std::string& text) {
  const fs::path path = join_drop_in_path(config_file);
  {
    std::ifstream in(path);
    std::stringstream old;
    if (in) old << in.rdbuf();
    if (in && old.str() == text) return false;
  }
  std::error_code ec;
  fs::create_directories(path.parent_path(), ec);
  if (ec) return fail(Errc::config, "cannot create {}: {}", path.parent_path().string(), ec.message());
  const fs::path temporary = path.string() + ".new";
  {
    std::ofstream out(temporary, std::ios::trunc);
    out << text;
    if (!out) return fail(Errc::config, "cannot write {}", temporary.string());
  }
  // The join token is a secret while it lasts: the owner writes, the service's group
  // reads (the package's `relaycast` user, else the config file's group), others nothing.
  fs::permissions(temporary, fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read, ec);
  struct stat config {};
  gid_t group = ::getegid();
  if (const auto* service = ::getgrnam("relaycast"))
    group = service->gr_gid;
  else if (::stat(config_file.c_str(), &config) == 0)
    group = config.st_gid;
  // Only root may give a file to a group it is not in; anyone else keeps their own group.
  if (!ec && ::chown(temporary.c_str(), ::geteuid(), group) != 0 && ::geteuid() == 0)
    ec = std::error_code(errno, std::generic_category());
  if (!ec) fs::rename(temporary, path, ec);
  if (ec) return fail(Errc::config, "cannot write {}: {}", path.string(), ec.message());
  return true;
}

}  // namespace relaycast::cluster
