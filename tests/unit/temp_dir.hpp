#pragma once
// A fresh directory under the system's temporary directory, removed with what it holds
// when the test ends.
#include <stdlib.h>

#include <filesystem>
#include <string>
#include <string_view>

#include <gtest/gtest.h>

namespace relaycast::test {

struct TempDir {
  explicit TempDir(std::string_view prefix = "relaycast") {
    std::string pattern = (std::filesystem::temp_directory_path() / (std::string(prefix) + "-XXXXXX")).string();
    EXPECT_TRUE(mkdtemp(pattern.data())) << "cannot make a temporary directory " << pattern;
    path = pattern;
  }
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  std::filesystem::path path;
};

}  // namespace relaycast::test
