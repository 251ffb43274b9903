// Message templates rendered against an event envelope. Two placeholder forms:
//   {{ path.to.field }}   Jinja-style, dotted path into the envelope (array indexes as numbers)
//   {field}               Mixpeek's str.format style, a top-level or dotted path
// A path that names nothing, or JSON null, renders as the empty string; strings render as their
// text, other JSON values as compact JSON. Nothing else is interpreted: no expressions, filters,
// code or file access. "{{" / "}}" that do not form a placeholder, and "{" not followed by a path
// and
// "}", are kept literally.
#ifndef WEBHOOKS_MODEL_TEMPLATE_H_
#define WEBHOOKS_MODEL_TEMPLATE_H_

#include <rapidjson/document.h>

#include <string>
#include <string_view>

namespace webhooks {

// Renders `text` against `envelope` (a JSON object).
std::string RenderTemplate(std::string_view text, const rapidjson::Value& envelope);

// Renders a JSON template (payload_template): every string value inside it is rendered with
// RenderTemplate; a string that is exactly one placeholder is replaced by the value itself
// (keeping its JSON type). Returns compact JSON text. REQUIRES: `json_template` is valid JSON.
std::string RenderJsonTemplate(std::string_view json_template, const rapidjson::Value& envelope);

}  // namespace webhooks

#endif  // WEBHOOKS_MODEL_TEMPLATE_H_
