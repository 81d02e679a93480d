#pragma once
// AMF0 (Adobe Action Message Format 0, "AMF 0 Specification", 2007): the value
// encoding of RTMP commands and FLV script tags.
//
// Values are a small tree used on the control path (connect, publish, onStatus,
// onMetaData), so they favour easy construction and lookup over compactness.
// Decoding is written for hostile input: nesting depth and the number of values are
// bounded, and nothing is allocated from a count read off the wire.
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "core/byte_io.hpp"
#include "core/error.hpp"

namespace relaycast::amf0 {

// Deeper nesting than this is refused: real peers nest 2-3 levels, and the decoder
// recurses once per level.
inline constexpr int kMaxDepth = 32;
// Values (containers and scalars) one decode()/decode_all() call may produce. A value
// can be one byte on the wire but ~100 bytes in memory, so without this a 16 MiB
// message could become gigabytes.
inline constexpr size_t kMaxValues = 1 << 16;

struct Property;
using Properties = std::vector<Property>;  // insertion order, as on the wire

class Value {
public:
  // long strings decode into `string`; encode() picks the long marker by length.
  enum class Type : uint8_t { number, boolean, string, object, ecma_array, strict_array, null, undefined, date };

  // Defined below Property: a constructor must be able to destroy `properties_`, and
  // clang instantiates std::vector<Property>'s destructor where the constructor is
  // defined, so Property must be complete there.
  Value() = default;  // null
  Value(double n);
  template <class T>
    requires(std::is_arithmetic_v<T> && !std::is_same_v<T, bool>)
  Value(T n);
  Value(bool b);
  Value(std::string s);
  Value(std::string_view s);
  Value(const char* s);

  static Value null();
  static Value undefined();
  static Value object(std::initializer_list<Property> properties = {});
  static Value object(Properties properties);
  // An object sent as an ECMA array (onMetaData usually is); it behaves as an object.
  static Value ecma_array(std::initializer_list<Property> properties = {});
  static Value ecma_array(Properties properties);
  static Value strict_array(std::vector<Value> elements);
  static Value date(double ms_since_epoch);

  Type type() const { return type_; }
  bool is_number() const { return type_ == Type::number; }
  bool is_boolean() const { return type_ == Type::boolean; }
  bool is_string() const { return type_ == Type::string; }
  // True for ECMA arrays too: peers use the two interchangeably.
  bool is_object() const { return type_ == Type::object || type_ == Type::ecma_array; }
  bool is_ecma_array() const { return type_ == Type::ecma_array; }
  bool is_strict_array() const { return type_ == Type::strict_array; }
  bool is_null() const { return type_ == Type::null; }
  bool is_undefined() const { return type_ == Type::undefined; }
  bool is_date() const { return type_ == Type::date; }

  // Lenient accessors: a value of another type gives the fallback / empty result, so
  // command handlers can read optional fields without a type check each.
  double as_number(double fallback = 0) const { return is_number() || is_date() ? number_ : fallback; }
  bool as_bool(bool fallback = false) const { return is_boolean() ? boolean_ : fallback; }
  std::string_view as_string() const { return is_string() ? std::string_view(string_) : std::string_view(); }
  const Properties& properties() const { return properties_; }  // objects, ECMA arrays
  const std::vector<Value>& elements() const { return elements_; }  // strict arrays

  // The first property named `key` of an object or ECMA array; nullptr otherwise.
  const Value* find(std::string_view key) const;
  // Replaces the property named `key`, or appends it; turns a non-object into an object.
  Value& set(std::string key, Value value);

  friend bool operator==(const Value& a, const Value& b);

private:
  Type type_ = Type::null;
  bool boolean_ = false;
  double number_ = 0;  // number, date (ms since the epoch, UTC)
  std::string string_;
  Properties properties_;
  std::vector<Value> elements_;
};

struct Property {
  std::string key;
  Value value;
  friend bool operator==(const Property&, const Property&) = default;
};

inline Value::Value(double n) : type_(Type::number), number_(n) {}
template <class T>
  requires(std::is_arithmetic_v<T> && !std::is_same_v<T, bool>)
Value::Value(T n) : Value(double(n)) {}
inline Value::Value(bool b) : type_(Type::boolean), boolean_(b) {}
inline Value::Value(std::string s) : type_(Type::string), string_(std::move(s)) {}
inline Value::Value(std::string_view s) : Value(std::string(s)) {}
inline Value::Value(const char* s) : Value(std::string(s)) {}
inline Value Value::null() { return {}; }

// AMF0 2.1: one value at the reader's position. On error the reader's position is
// unspecified. Errors: truncated (input ends inside the value), malformed (unknown
// marker, object end in the wrong place), unsupported (reference, typed object, XML,
// AMF3 switch, ...), too_large (kMaxDepth / kMaxValues).
Result<Value> decode(ByteReader& reader);
// Every value in `bytes` (an RTMP command or data message body).
Result<std::vector<Value>> decode_all(std::span<const uint8_t> bytes);

void encode(const Value& value, std::vector<uint8_t>& out);
void encode_all(std::span<const Value> values, std::vector<uint8_t>& out);

// The string at `i` of a command's values, or "" when there is none or it is not a
// string (a command's optional arguments).
inline std::string_view string_at(const std::vector<Value>& values, size_t i) {
  return i < values.size() ? values[i].as_string() : std::string_view();
}

// A one-line, JSON-like rendering for logs and test failures.
std::string to_string(const Value& value);

}  // namespace relaycast::amf0
