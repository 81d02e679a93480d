#include "format/amf0.hpp"

#include <bit>
#include <cmath>
#include <optional>

#include <fmt/format.h>

namespace relaycast::amf0 {
namespace {

// AMF0 2.1 type markers.
enum Marker : uint8_t {
  kNumber = 0x00,
  kBoolean = 0x01,
  kString = 0x02,
  kObject = 0x03,
  kMovieClip = 0x04,  // reserved, not supported
  kNull = 0x05,
  kUndefined = 0x06,
  kReference = 0x07,
  kEcmaArray = 0x08,
  kObjectEnd = 0x09,
  kStrictArray = 0x0a,
  kDate = 0x0b,
  kLongString = 0x0c,
  kUnsupported = 0x0d,
  kRecordSet = 0x0e,  // reserved, not supported
  kXmlDocument = 0x0f,
  kTypedObject = 0x10,
  kAvmPlus = 0x11,  // switch to AMF3
};

std::string_view marker_name(uint8_t marker) {
  switch (marker) {
    case kMovieClip: return "movieclip";
    case kReference: return "reference";
    case kUnsupported: return "unsupported-type";
    case kRecordSet: return "recordset";
    case kXmlDocument: return "XML document";
    case kTypedObject: return "typed object";
    case kAvmPlus: return "AMF3 switch (avmplus-object)";
    default: return "unknown";
  }
}

// One decode()/decode_all() call: the limits are shared by every value it produces.
class Decoder {
public:
  explicit Decoder(ByteReader& reader) : r_(reader) {}

  Result<Value> value(int depth) {
    if (++values_ > kMaxValues) return fail(Errc::too_large, "more than {} AMF0 values", kMaxValues);
    auto marker = r_.u8();
    if (!marker) return fail(Errc::truncated, "AMF0 value marker missing");
    switch (*marker) {
      // 2.2 number-type = number-marker DOUBLE (IEEE 754, big-endian)
      case kNumber: {
        auto bits = r_.u64be();
        if (!bits) return fail(Errc::truncated, "AMF0 number truncated");
        return Value(std::bit_cast<double>(*bits));
      }
      // 2.3 boolean-type = boolean-marker U8 (0 is false, anything else true)
      case kBoolean: {
        auto b = r_.u8();
        if (!b) return fail(Errc::truncated, "AMF0 boolean truncated");
        return Value(*b != 0);
      }
      // 2.4 string-type = string-marker UTF-8 (U16 length, bytes)
      case kString: {
        auto s = utf8(r_.u16be());
        if (!s) return std::unexpected(std::move(s.error()));
        return Value(std::move(*s));
      }
      // 2.14 long-string-type = long-string-marker UTF-8-long (U32 length, bytes)
      case kLongString: {
        auto s = utf8(r_.u32be());
        if (!s) return std::unexpected(std::move(s.error()));
        return Value(std::move(*s));
      }
      case kObject: return object(false, depth);
      case kNull: return Value::null();
      case kUndefined: return Value::undefined();
      // 2.10 ecma-array-type = ecma-array-marker U32 object-property* object-end-type
      // The count is only a hint (encoders write 0 or a wrong number); the end marker
      // is what ends the array.
      case kEcmaArray: {
        if (!r_.skip(4)) return fail(Errc::truncated, "AMF0 ECMA array count truncated");
        return object(true, depth);
      }
      case kStrictArray: return strict_array(depth);
      // 2.13 date-type = date-marker DOUBLE time-zone (S16, reserved, should be 0)
      case kDate: {
        auto bits = r_.u64be();
        if (!bits || !r_.skip(2)) return fail(Errc::truncated, "AMF0 date truncated");
        return Value::date(std::bit_cast<double>(*bits));
      }
      case kObjectEnd: return fail(Errc::malformed, "AMF0 object end marker outside an object");
      case kMovieClip:
      case kReference:
      case kUnsupported:
      case kRecordSet:
      case kXmlDocument:
      case kTypedObject:
      case kAvmPlus: return fail(Errc::unsupported, "AMF0 {} (marker 0x{:02x}) is not supported", marker_name(*marker), *marker);
      default: return fail(Errc::malformed, "unknown AMF0 marker 0x{:02x}", *marker);
    }
  }

private:
  // UTF-8 (U16 length) and UTF-8-long (U32 length): `n` is the length just read.
  Result<std::string> utf8(std::optional<uint32_t> n) {
    if (!n) return fail(Errc::truncated, "AMF0 string length truncated");
    // bytes() checks the length against what is there before anything is allocated.
    auto bytes = r_.bytes(*n);
    if (!bytes) return fail(Errc::truncated, "AMF0 string of {} bytes, {} left", *n, r_.remaining());
    return std::string(reinterpret_cast<const char*>(bytes->data()), bytes->size());
  }

  // 2.5 object-type = object-marker *(object-property)
  //     object-property = (UTF-8 value-type) | (UTF-8-empty object-end-marker)
  Result<Value> object(bool ecma_array, int depth) {
    if (depth >= kMaxDepth) return fail(Errc::too_large, "AMF0 nesting deeper than {}", kMaxDepth);
    Properties props;
    for (;;) {
      auto key = utf8(r_.u16be());
      if (!key) return std::unexpected(std::move(key.error()).context("AMF0 object key"));
      if (key->empty()) {
        // An empty key followed by anything but the end marker is a property with an
        // empty name, which the grammar allows.
        if (r_.empty()) return fail(Errc::truncated, "AMF0 object end marker missing");
        if (r_.rest()[0] == kObjectEnd) {
          r_.skip(1);
          break;
        }
      }
      auto v = value(depth + 1);
      if (!v) return std::unexpected(std::move(v.error()));
      props.push_back({std::move(*key), std::move(*v)});
    }
    return ecma_array ? Value::ecma_array(std::move(props)) : Value::object(std::move(props));
  }

  // 2.12 strict-array-type = array-count(U32) *(value-type)
  // No reserve(count): the count is the peer's claim. Every element takes at least one
  // byte, so a count over the bytes left is refused at once, and a smaller lie runs
  // into `truncated` or kMaxValues.
  Result<Value> strict_array(int depth) {
    if (depth >= kMaxDepth) return fail(Errc::too_large, "AMF0 nesting deeper than {}", kMaxDepth);
    auto count = r_.u32be();
    if (!count) return fail(Errc::truncated, "AMF0 strict array count truncated");
    if (*count > r_.remaining()) return fail(Errc::truncated, "AMF0 strict array of {} values in {} bytes", *count, r_.remaining());
    std::vector<Value> elements;
    for (uint32_t i = 0; i < *count; ++i) {
      auto v = value(depth + 1);
      if (!v) return std::unexpected(std::move(v.error()));
      elements.push_back(std::move(*v));
    }
    return Value::strict_array(std::move(elements));
  }

  ByteReader& r_;
  size_t values_ = 0;
};

void put_utf8(ByteWriter& w, std::string_view s) {
  // Keys come from our own code; a key over 64 KiB is a bug, cut rather than corrupt.
  if (s.size() > 0xffff) s = s.substr(0, 0xffff);
  w.u16be(uint16_t(s.size()));
  w.text(s);
}

void put_properties(ByteWriter& w, const Properties& props, std::vector<uint8_t>& out) {
  for (const auto& p : props) {
    put_utf8(w, p.key);
    encode(p.value, out);
  }
  w.u16be(0);
  w.u8(kObjectEnd);
}

void append_string(std::string& out, std::string_view s) {
  out += '"';
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    if (uint8_t(c) < 0x20) {
      out += fmt::format("\\u{:04x}", uint8_t(c));
    } else {
      out += c;
    }
  }
  out += '"';
}

void append(std::string& out, const Value& v) {
  using T = Value::Type;
  switch (v.type()) {
    case T::number: out += fmt::format("{}", v.as_number()); break;
    case T::boolean: out += v.as_bool() ? "true" : "false"; break;
    case T::string: append_string(out, v.as_string()); break;
    case T::null: out += "null"; break;
    case T::undefined: out += "undefined"; break;
    case T::date: out += fmt::format("date({})", v.as_number()); break;
    case T::object:
    case T::ecma_array: {
      out += v.is_ecma_array() ? "ecma{" : "{";
      bool first = true;
      for (const auto& p : v.properties()) {
        if (!first) out += ",";
        first = false;
        append_string(out, p.key);
        out += ":";
        append(out, p.value);
      }
      out += "}";
      break;
    }
    case T::strict_array: {
      out += "[";
      bool first = true;
      for (const auto& e : v.elements()) {
        if (!first) out += ",";
        first = false;
        append(out, e);
      }
      out += "]";
      break;
    }
  }
}

}  // namespace

Value Value::undefined() {
  Value v;
  v.type_ = Type::undefined;
  return v;
}

Value Value::object(std::initializer_list<Property> properties) { return object(Properties(properties)); }

Value Value::object(Properties properties) {
  Value v;
  v.type_ = Type::object;
  v.properties_ = std::move(properties);
  return v;
}

Value Value::ecma_array(std::initializer_list<Property> properties) { return ecma_array(Properties(properties)); }

Value Value::ecma_array(Properties properties) {
  Value v = object(std::move(properties));
  v.type_ = Type::ecma_array;
  return v;
}

Value Value::strict_array(std::vector<Value> elements) {
  Value v;
  v.type_ = Type::strict_array;
  v.elements_ = std::move(elements);
  return v;
}

Value Value::date(double ms_since_epoch) {
  Value v(ms_since_epoch);
  v.type_ = Type::date;
  return v;
}

const Value* Value::find(std::string_view key) const {
  if (!is_object()) return nullptr;
  for (const auto& p : properties_) {
    if (p.key == key) return &p.value;
  }
  return nullptr;
}

Value& Value::set(std::string key, Value value) {
  if (!is_object()) *this = object();
  for (auto& p : properties_) {
    if (p.key == key) return p.value = std::move(value);
  }
  properties_.push_back({std::move(key), std::move(value)});
  return properties_.back().value;
}

bool operator==(const Value& a, const Value& b) {
  if (a.type_ != b.type_) return false;
  using T = Value::Type;
  switch (a.type_) {
    case T::number:
    case T::date: return a.number_ == b.number_ || (std::isnan(a.number_) && std::isnan(b.number_));
    case T::boolean: return a.boolean_ == b.boolean_;
    case T::string: return a.string_ == b.string_;
    case T::object:
    case T::ecma_array: return a.properties_ == b.properties_;
    case T::strict_array: return a.elements_ == b.elements_;
    case T::null:
    case T::undefined: return true;
  }
  return false;
}

Result<Value> decode(ByteReader& reader) { return Decoder(reader).value(0); }

Result<std::vector<Value>> decode_all(std::span<const uint8_t> bytes) {
  ByteReader reader(bytes);
  Decoder decoder(reader);
  std::vector<Value> values;
  while (!reader.empty()) {
    auto v = decoder.value(0);
    if (!v) return std::unexpected(std::move(v.error()).context(fmt::format("AMF0 value {}", values.size())));
    values.push_back(std::move(*v));
  }
  return values;
}

void encode(const Value& value, std::vector<uint8_t>& out) {
  ByteWriter w(out);
  using T = Value::Type;
  switch (value.type()) {
    case T::number:
      w.u8(kNumber);
      w.u64be(std::bit_cast<uint64_t>(value.as_number()));
      break;
    case T::boolean:
      w.u8(kBoolean);
      w.u8(value.as_bool() ? 1 : 0);
      break;
    case T::string: {
      auto s = value.as_string();
      if (s.size() > 0xffff) {
        w.u8(kLongString);
        w.u32be(uint32_t(s.size()));
        w.text(s);
      } else {
        w.u8(kString);
        put_utf8(w, s);
      }
      break;
    }
    case T::object:
      w.u8(kObject);
      put_properties(w, value.properties(), out);
      break;
    case T::ecma_array:
      w.u8(kEcmaArray);
      w.u32be(uint32_t(value.properties().size()));
      put_properties(w, value.properties(), out);
      break;
    case T::strict_array:
      w.u8(kStrictArray);
      w.u32be(uint32_t(value.elements().size()));
      for (const auto& e : value.elements()) encode(e, out);
      break;
    case T::null: w.u8(kNull); break;
    case T::undefined: w.u8(kUndefined); break;
    case T::date:
      w.u8(kDate);
      w.u64be(std::bit_cast<uint64_t>(value.as_number()));
      w.u16be(0);
      break;
  }
}

void encode_all(std::span<const Value> values, std::vector<uint8_t>& out) {
  for (const auto& v : values) encode(v, out);
}

std::string to_string(const Value& value) {
  std::string out;
  append(out, value);
  return out;
}

}  // namespace relaycast::amf0
