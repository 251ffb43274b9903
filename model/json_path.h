// Dotted paths into a JSON value, as templates ({{ path.to.field }}) and event filters name
// fields of the event envelope: non-empty segments of [A-Za-z0-9_-] separated by '.', at most
// kMaxJsonPath characters; a segment is an object key, or an array index in decimal.
#ifndef WEBHOOKS_MODEL_JSON_PATH_H_
#define WEBHOOKS_MODEL_JSON_PATH_H_

#include <rapidjson/document.h>

#include <cstddef>
#include <string_view>

namespace webhooks {

inline constexpr size_t kMaxJsonPath = 256;

// Whether `path` has the syntax above.
bool IsValidJsonPath(std::string_view path);

// The value `path` names inside `root`, or nullptr when it names nothing. Does not check the
// syntax: a path that fails IsValidJsonPath may name nothing.
const rapidjson::Value* LookupJsonPath(const rapidjson::Value& root, std::string_view path);

}  // namespace webhooks

#endif  // WEBHOOKS_MODEL_JSON_PATH_H_
