// Typed, validating reads of one JSON object's fields. Every failure is recorded as a FieldError
// at the field's location; reads never assume a type without checking it.
#ifndef WEBHOOKS_MODEL_JSON_FIELDS_H_
#define WEBHOOKS_MODEL_JSON_FIELDS_H_

#include <rapidjson/document.h>

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "model/validation.h"

namespace webhooks {

// Number of Unicode code points in valid UTF-8 `s`.
size_t Utf8Length(std::string_view s);

class FieldReader {
 public:
  // REQUIRES: `obj` is an object; `obj` and `errors` outlive this reader.
  FieldReader(const rapidjson::Value& obj, Path path, ValidationErrors& errors)
      : obj_(obj), path_(std::move(path)), errors_(errors) {}

  const Path& path() const { return path_; }
  Path At(std::string key) const { return Child(path_, std::move(key)); }

  // The field's value, or nullptr when absent or JSON null.
  const rapidjson::Value* Find(const char* key) const;

  // A string of 1..max_chars code points. Absent/null: "missing" error when required.
  std::optional<std::string> String(const char* key, bool required, size_t max_chars);

  // An array of strings (each 1..max_chars), at most max_items; "too_short" when empty and
  // non_empty is set. Absent/null: nullopt, plus "missing" when required.
  std::optional<std::vector<std::string>> StringList(const char* key, bool required, bool non_empty,
                                                     size_t max_items, size_t max_chars);

  std::optional<bool> Bool(const char* key);
  std::optional<double> Number(const char* key);

  // The field when it is an object; "dict_type" error when it is another type.
  const rapidjson::Value* Object(const char* key, bool required);

  void Error(const char* key, std::string type, std::string message) {
    errors_.Add(std::move(type), At(key), std::move(message));
  }

 private:
  bool CheckString(const rapidjson::Value& v, const Path& at, size_t max_chars);

  const rapidjson::Value& obj_;
  Path path_;
  ValidationErrors& errors_;
};

}  // namespace webhooks

#endif  // WEBHOOKS_MODEL_JSON_FIELDS_H_
