// Parsing untrusted JSON text, and the writer type every encoder uses.
#ifndef WEBHOOKS_MODEL_JSON_INPUT_H_
#define WEBHOOKS_MODEL_JSON_INPUT_H_

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <cstddef>
#include <string>
#include <string_view>

#include "absl/status/status.h"

namespace webhooks {

using JsonWriter = rapidjson::Writer<rapidjson::StringBuffer>;

// Deepest object/array nesting accepted from a client.
inline constexpr int kMaxJsonDepth = 64;

// Parses `text` into `*doc`: valid UTF-8, a single JSON value, nesting at most kMaxJsonDepth.
// Returns InvalidArgument naming the parse error and its byte offset otherwise. The parser is
// iterative, so hostile nesting cannot exhaust the stack.
absl::Status ParseJson(std::string_view text, rapidjson::Document* doc);

// The string member `key` of object `obj`, or "" when it is absent or not a string. For
// records this service wrote itself; client input goes through FieldReader instead.
std::string StringMember(const rapidjson::Value& obj, const char* key);

// The text a writer produced into `buf`.
inline std::string BufferText(const rapidjson::StringBuffer& buf) {
  return std::string(buf.GetString(), buf.GetSize());
}

// Compact JSON text of `value`. REQUIRES: nesting at most kMaxJsonDepth (true of anything
// ParseJson produced).
std::string ToJson(const rapidjson::Value& value);

}  // namespace webhooks

#endif  // WEBHOOKS_MODEL_JSON_INPUT_H_
