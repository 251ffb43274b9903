// Field-level validation errors, carried inside an absl::Status so every layer can return them
// as an ordinary failure. The HTTP edge turns them into the 422 envelope's
// details.validation_errors[].
#ifndef WEBHOOKS_MODEL_VALIDATION_H_
#define WEBHOOKS_MODEL_VALIDATION_H_

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "absl/status/status.h"

namespace webhooks {

// One step of a location: an object key or an array index.
using PathElement = std::variant<std::string, size_t>;
using Path = std::vector<PathElement>;

// Path + key / index, for building child locations.
Path Child(const Path& parent, std::string key);
Path Child(const Path& parent, size_t index);

struct FieldError {
  std::string type;  // machine-readable, Pydantic-style: "missing", "string_type", "enum", ...
  Path location;     // e.g. {"body", "channels", 0, "configs", "url"}
  std::string message;
};

// Collects FieldErrors while a validator walks its input.
class ValidationErrors {
 public:
  void Add(std::string type, Path location, std::string message);
  bool empty() const { return errors_.empty(); }
  const std::vector<FieldError>& errors() const { return errors_; }

  // OkStatus() when empty; otherwise an InvalidArgument status carrying every error
  // (see FieldErrorsOf).
  absl::Status ToStatus() const;

 private:
  std::vector<FieldError> errors_;
};

// A status for a single failing field.
absl::Status FieldFailure(std::string type, Path location, std::string message);

// The validation errors carried by `status` as a JSON array text
// (`[{"type":..,"location":[..],"message":..}]`), or nullopt when it carries none.
std::optional<std::string> FieldErrorsJson(const absl::Status& status);

}  // namespace webhooks

#endif  // WEBHOOKS_MODEL_VALIDATION_H_
