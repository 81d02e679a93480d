// Files on disk: unique names, gathered writes that keep every byte, clear errors for
// a directory that cannot be written, and the repair of a torn tail.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "../temp_dir.hpp"
#include "record/mapped_file.hpp"
#include "record/recording_catalog.hpp"
#include "record/recording_file.hpp"
#include "record/recording_repair.hpp"

namespace relaycast::record {
namespace {

using test::TempDir;

TEST(RecordingFile, NamesAreNeverReusedAndEveryByteIsWritten) {
  TempDir dir;
  RecordingFile a, b;
  ASSERT_TRUE(a.create(dir.path / "live" / "cam", "2026-11-26T06-30-00Z"));
  ASSERT_TRUE(b.create(dir.path / "live" / "cam", "2026-11-26T06-30-00Z"));
  EXPECT_EQ(a.path().filename(), "2026-11-26T06-30-00Z.mp4");
  EXPECT_EQ(b.path().filename(), "2026-11-26T06-30-00Z-2.mp4");
  std::vector<Buffer> parts;
  std::string expected;
  for (int i = 0; i < 200; ++i) {  // more buffers than one writev takes
    const std::string part(size_t(i % 7), char('a' + i % 26));
    parts.push_back(Buffer::copy_of(part));
    expected += part;
  }
  ASSERT_TRUE(a.append(parts));
  EXPECT_EQ(a.size(), expected.size());
  a.close();
  auto mapped = map_file(a.path());
  ASSERT_TRUE(mapped);
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(mapped->data()), mapped->size()), expected);
}

TEST(RecordingFile, FinishFlushesAndClosesAndAClosedFileCannotBeSynced) {
  TempDir dir;
  RecordingFile f;
  EXPECT_EQ(f.sync().error().message(), "no recording file is open");
  ASSERT_TRUE(f.create(dir.path, "x"));
  ASSERT_TRUE(f.append({Buffer::copy_of("moov"), Buffer::copy_of("moof")}));
  ASSERT_TRUE(f.sync());
  ASSERT_TRUE(f.append({Buffer::copy_of("mdat")}));
  ASSERT_TRUE(f.finish());
  EXPECT_FALSE(f.is_open());
  EXPECT_FALSE(f.finish()) << "finished twice";
  EXPECT_EQ(std::filesystem::file_size(f.path()), 12u);
}

TEST(RecordingFile, AnUnwritableDirectoryIsAClearError) {
  TempDir dir;
  std::ofstream(dir.path / "file") << "x";  // a file where a directory should be
  RecordingFile f;
  auto made = f.create(dir.path / "file" / "cam", "x");
  ASSERT_FALSE(made);
  EXPECT_NE(made.error().message().find("cannot create directory"), std::string::npos) << made.error().message();
  EXPECT_FALSE(f.append({Buffer::copy_of("x")}));
}

TEST(RecordingCatalog, RefusesNamesThatLeaveTheDirectory) {
  TempDir dir;
  EXPECT_TRUE(recording_path(dir.path, "live", "cam", "../../etc/passwd").error().is(Errc::malformed));
  EXPECT_TRUE(recording_path(dir.path, "..", "cam", "a.mp4").error().is(Errc::malformed));
  EXPECT_TRUE(recording_path(dir.path, "live", "cam", "a.txt").error().is(Errc::malformed));
  EXPECT_TRUE(recording_path(dir.path, "live", "cam", "a.mp4").error().is(Errc::not_found));
}

TEST(RecordingRepair, NotAnMp4IsLeftAloneWithAReason) {
  TempDir dir;
  std::ofstream(dir.path / "x.mp4") << "not an mp4 at all, just text";
  auto repaired = repair_recording(dir.path / "x.mp4");
  ASSERT_FALSE(repaired);
  EXPECT_EQ(std::filesystem::file_size(dir.path / "x.mp4"), 28u);
  EXPECT_EQ(list_recordings(dir.path).size(), 0u) << "only app/name/file.mp4 is listed";
}

}  // namespace
}  // namespace relaycast::record
