#include "format/amf0.hpp"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "recorded_rtmp.hpp"

namespace relaycast {
namespace {

using amf0::Value;

std::vector<uint8_t> encoded(const Value& v) {
  std::vector<uint8_t> out;
  amf0::encode(v, out);
  return out;
}

// The connect command ffmpeg 5.1 sent in ffmpeg-publish.c2s.bin.
const test::RecordedMessage& ffmpeg_connect() {
  static const auto messages = test::recorded_messages(test::read_fixture("rtmp/ffmpeg-publish.c2s.bin"));
  return messages.at(0);
}

TEST(Amf0, EncodesScalarsAsTheSpecSays) {
  EXPECT_EQ(encoded(Value(1.0)), test::bytes_of(std::string_view("\x00\x3f\xf0\x00\x00\x00\x00\x00\x00", 9)));
  EXPECT_EQ(encoded(Value(true)), test::bytes_of(std::string_view("\x01\x01", 2)));
  EXPECT_EQ(encoded(Value("ab")), test::bytes_of(std::string_view("\x02\x00\x02"
                                                                  "ab",
                                                                  5)));
  EXPECT_EQ(encoded(Value::null()), test::bytes_of(std::string_view("\x05", 1)));
  EXPECT_EQ(encoded(Value::undefined()), test::bytes_of(std::string_view("\x06", 1)));
  EXPECT_EQ(encoded(Value::object({{"a", 0}})), test::bytes_of(std::string_view("\x03\x00\x01"
                                                                                "a"
                                                                                "\x00\x00\x00\x00\x00\x00\x00\x00\x00"
                                                                                "\x00\x00\x09",
                                                                                16)));
  EXPECT_EQ(encoded(Value::ecma_array({})), test::bytes_of(std::string_view("\x08\x00\x00\x00\x00\x00\x00\x09", 8)));
  EXPECT_EQ(encoded(Value::strict_array({Value::null()})),
            test::bytes_of(std::string_view("\x0a\x00\x00\x00\x01\x05", 6)));
}

TEST(Amf0, RoundTripsEveryType) {
  auto original = Value::object({
      {"number", -12.5},
      {"yes", true},
      {"text", "NetStream.Play.Start"},
      {"long", std::string(70000, 'x')},
      {"nothing", Value::null()},
      {"undef", Value::undefined()},
      {"meta", Value::ecma_array({{"width", 1280}, {"height", 720}})},
      {"list", Value::strict_array({1, "two", Value::object({{"three", 3}})})},
      {"when", Value::date(1.7e12)},
      {"", "empty key"},
  });
  auto bytes = encoded(original);
  ByteReader reader(bytes);
  auto decoded = amf0::decode(reader);
  ASSERT_TRUE(decoded) << decoded.error().message();
  EXPECT_TRUE(reader.empty());
  EXPECT_EQ(*decoded, original) << amf0::to_string(*decoded);
  EXPECT_TRUE(decoded->find("meta")->is_ecma_array()) << "an ECMA array must stay one";
  EXPECT_EQ(encoded(*decoded), bytes);
}

TEST(Amf0, LongStringsUseTheLongMarker) {
  auto bytes = encoded(Value(std::string(0x10000, 'y')));
  EXPECT_EQ(bytes[0], 0x0c);
  EXPECT_EQ(bytes.size(), 1u + 4u + 0x10000u);
  EXPECT_EQ(encoded(Value(std::string(0xffff, 'y')))[0], 0x02);
}

TEST(Amf0, AccessorsAreLenient) {
  auto status = Value::object({{"level", "status"}, {"code", "NetStream.Play.Start"}});
  ASSERT_NE(status.find("code"), nullptr);
  EXPECT_EQ(status.find("code")->as_string(), "NetStream.Play.Start");
  EXPECT_EQ(status.find("missing"), nullptr);
  EXPECT_EQ(Value(3).find("code"), nullptr);
  EXPECT_EQ(Value(3).as_string(), "");
  EXPECT_EQ(Value("3").as_number(-1), -1);
  EXPECT_TRUE(Value(3).is_number());
  EXPECT_EQ(Value(3).as_number(), 3);

  status.set("level", "error");
  status.set("description", "bad");
  ASSERT_EQ(status.properties().size(), 3u);
  EXPECT_EQ(status.properties()[0].key, "level") << "set() must keep the original position";
  EXPECT_EQ(status.properties()[0].value.as_string(), "error");
  EXPECT_EQ(status.properties()[2].key, "description");
  EXPECT_EQ(amf0::to_string(status), R"({"level":"error","code":"NetStream.Play.Start","description":"bad"})");
}

TEST(Amf0, DecodesFfmpegConnect) {
  const auto& msg = ffmpeg_connect();
  ASSERT_EQ(msg.type, 20) << "AMF0 command";
  auto values = amf0::decode_all(msg.body);
  ASSERT_TRUE(values) << values.error().message();
  ASSERT_EQ(values->size(), 3u);
  EXPECT_EQ((*values)[0].as_string(), "connect");
  EXPECT_EQ((*values)[1].as_number(), 1);
  const Value& command = (*values)[2];
  ASSERT_TRUE(command.is_object());
  EXPECT_EQ(command.find("app")->as_string(), "live");
  EXPECT_EQ(command.find("type")->as_string(), "nonprivate");
  EXPECT_EQ(command.find("flashVer")->as_string(), "FMLE/3.0 (compatible; Lavf59.27.100)");
  EXPECT_EQ(command.find("tcUrl")->as_string(), "rtmp://127.0.0.1:19401/live");
}

TEST(Amf0, EncodesConnectAsFfmpegDoes) {
  const std::vector<Value> connect = {
      "connect", 1,
      Value::object({{"app", "live"},
                     {"type", "nonprivate"},
                     {"flashVer", "FMLE/3.0 (compatible; Lavf59.27.100)"},
                     {"tcUrl", "rtmp://127.0.0.1:19401/live"}}),
  };
  std::vector<uint8_t> out;
  amf0::encode_all(connect, out);
  EXPECT_EQ(out, ffmpeg_connect().body);
}

// Every command and data message of every recorded session, from ffmpeg, librtmp and
// nginx-rtmp, decodes and encodes back to the same bytes.
TEST(Amf0, RoundTripsEveryRecordedMessageByteForByte) {
  int checked = 0;
  for (const char* file : {"ffmpeg-publish.c2s.bin", "ffmpeg-publish.s2c.bin", "librtmp-publish.c2s.bin",
                           "librtmp-publish.s2c.bin", "rtmpdump-play.c2s.bin", "rtmpdump-play.s2c.bin",
                           "ffmpeg-play.c2s.bin", "ffmpeg-play.s2c.bin"}) {
    for (const auto& msg : test::recorded_messages(test::read_fixture(std::string("rtmp/") + file))) {
      if (msg.type != 20 && msg.type != 18) continue;
      auto values = amf0::decode_all(msg.body);
      ASSERT_TRUE(values) << file << ": " << values.error().message();
      ASSERT_FALSE(values->empty());
      EXPECT_TRUE((*values)[0].is_string()) << file << ": " << amf0::to_string((*values)[0]);
      std::vector<uint8_t> out;
      amf0::encode_all(*values, out);
      EXPECT_EQ(out, msg.body) << file << ": " << amf0::to_string((*values)[0]);
      ++checked;
    }
  }
  EXPECT_GT(checked, 20);
}

TEST(Amf0, EveryTruncationOfAValueIsAnError) {
  // The command object alone: any strict prefix ends inside it.
  auto values = amf0::decode_all(ffmpeg_connect().body);
  ASSERT_TRUE(values);
  auto object = encoded((*values)[2]);
  for (size_t n = 0; n < object.size(); ++n) {
    ByteReader reader(std::span<const uint8_t>(object).first(n));
    auto v = amf0::decode(reader);
    ASSERT_FALSE(v) << "prefix of " << n << " bytes decoded";
    EXPECT_TRUE(v.error().is(Errc::truncated)) << n << ": " << v.error().message();
  }
}

TEST(Amf0, TruncatedMessagesDecodeOnlyWholeValues) {
  const auto& body = ffmpeg_connect().body;
  for (size_t n = 0; n < body.size(); ++n) {
    auto v = amf0::decode_all(std::span(body).first(n));
    // A prefix that ends between two top-level values is itself a valid message.
    if (v) {
      EXPECT_LT(v->size(), 3u) << n;
    } else {
      EXPECT_TRUE(v.error().is(Errc::truncated)) << n << ": " << v.error().message();
    }
  }
}

TEST(Amf0, SurvivesRandomBytes) {
  std::mt19937 rng(1935);
  std::uniform_int_distribution<int> marker(0, 0x12);  // mostly valid markers, to go deep
  std::uniform_int_distribution<int> any(0, 255);
  std::uniform_int_distribution<int> length(0, 64);
  int decoded = 0;
  for (int i = 0; i < 5000; ++i) {
    std::vector<uint8_t> bytes(length(rng));
    for (auto& b : bytes) b = uint8_t(any(rng) < 64 ? marker(rng) : any(rng));
    auto v = amf0::decode_all(bytes);
    if (v) ++decoded;
  }
  EXPECT_GT(decoded, 0) << "the generator should hit some valid inputs";
}

TEST(Amf0, SurvivesMutatedRealMessages) {
  std::mt19937 rng(19350);
  const auto& body = ffmpeg_connect().body;
  std::uniform_int_distribution<size_t> at(0, body.size() - 1);
  std::uniform_int_distribution<int> any(0, 255);
  for (int i = 0; i < 5000; ++i) {
    auto bytes = body;
    for (int flips = 1 + i % 4; flips > 0; --flips) bytes[at(rng)] = uint8_t(any(rng));
    auto v = amf0::decode_all(bytes);
    if (!v) {
      EXPECT_FALSE(v.error().message().empty());
    }
  }
}

std::vector<uint8_t> repeated(std::string_view unit, size_t times, std::string_view tail = {}) {
  std::vector<uint8_t> out;
  for (size_t i = 0; i < times; ++i) out.insert(out.end(), unit.begin(), unit.end());
  out.insert(out.end(), tail.begin(), tail.end());
  return out;
}

TEST(Amf0, RefusesDepthBombs) {
  const std::string_view object_in_object("\x03\x00\x01" "a", 4);
  const std::string_view array_in_array("\x0a\x00\x00\x00\x01", 5);
  const std::string_view ecma_in_ecma("\x08\x00\x00\x00\x01\x00\x01" "a", 8);
  for (auto unit : {object_in_object, array_in_array, ecma_in_ecma}) {
    auto v = amf0::decode_all(repeated(unit, 100000));
    ASSERT_FALSE(v);
    EXPECT_TRUE(v.error().is(Errc::too_large)) << v.error().message();
  }
}

TEST(Amf0, AcceptsNestingUpToTheLimit) {
  auto nested = [](int depth) {
    return repeated(std::string_view("\x0a\x00\x00\x00\x01", 5), size_t(depth), std::string_view("\x05", 1));
  };
  EXPECT_TRUE(amf0::decode_all(nested(amf0::kMaxDepth)));
  EXPECT_FALSE(amf0::decode_all(nested(amf0::kMaxDepth + 1)));
}

TEST(Amf0, RefusesTooManyValues) {
  auto wide = amf0::decode_all(repeated(std::string_view("\x05", 1), 100000));
  ASSERT_FALSE(wide);
  EXPECT_TRUE(wide.error().is(Errc::too_large));

  auto array = repeated(std::string_view("\x05", 1), 100000);
  const uint8_t header[] = {0x0a, 0x00, 0x01, 0x86, 0xa0};  // 100000 elements
  array.insert(array.begin(), std::begin(header), std::end(header));
  auto v = amf0::decode_all(array);
  ASSERT_FALSE(v);
  EXPECT_TRUE(v.error().is(Errc::too_large));
}

TEST(Amf0, HugeDeclaredLengthsAreTruncationNotAllocation) {
  const std::string_view cases[] = {
      {"\x02\xff\xff" "abc", 6},                  // string of 65535
      {"\x0c\xff\xff\xff\xff" "abc", 8},          // long string of 4 GiB
      {"\x0a\xff\xff\xff\xff\x05\x05", 7},        // strict array of 4 billion
      {"\x03\xff\xff" "ab", 5},                   // object key of 65535
      {"\x08\xff\xff\xff\xff\x00\x01" "a\x05", 9},  // ECMA array missing its end
  };
  for (auto c : cases) {
    auto v = amf0::decode_all(test::bytes_of(c));
    ASSERT_FALSE(v);
    EXPECT_TRUE(v.error().is(Errc::truncated)) << v.error().message();
  }
  // An ECMA array's count is only a hint; the end marker decides.
  auto ecma = amf0::decode_all(test::bytes_of(std::string_view("\x08\xff\xff\xff\xff\x00\x00\x09", 8)));
  ASSERT_TRUE(ecma) << ecma.error().message();
  EXPECT_TRUE((*ecma)[0].is_ecma_array());
}

TEST(Amf0, ReportsMarkersItDoesNotHandle) {
  auto code_of = [](std::string_view bytes) { return amf0::decode_all(test::bytes_of(bytes)).error().code(); };
  EXPECT_EQ(code_of(std::string_view("\x07\x00\x01", 3)), Errc::unsupported) << "reference";
  EXPECT_EQ(code_of(std::string_view("\x10\x00\x01" "C\x00\x00\x09", 7)), Errc::unsupported) << "typed object";
  EXPECT_EQ(code_of(std::string_view("\x11\x01", 2)), Errc::unsupported) << "AMF3 switch";
  EXPECT_EQ(code_of(std::string_view("\x12", 1)), Errc::malformed);
  EXPECT_EQ(code_of(std::string_view("\xff", 1)), Errc::malformed);
  EXPECT_EQ(code_of(std::string_view("\x09", 1)), Errc::malformed) << "object end outside an object";
}

}  // namespace
}  // namespace relaycast
