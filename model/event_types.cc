#include "model/event_types.h"

#include <algorithm>
#include <array>

namespace webhooks {
namespace {

constexpr std::array<std::string_view, 31> kEventTypes = {
    "object.created",
    "objects.created.batch",
    "object.updated",
    "object.deleted",
    "collection.created",
    "collection.updated",
    "collection.deleted",
    "collection.documents.written",
    "cluster.created",
    "cluster.updated",
    "cluster.deleted",
    "cluster.execution.started",
    "cluster.execution.completed",
    "cluster.execution.failed",
    "trigger.created",
    "trigger.updated",
    "trigger.deleted",
    "trigger.paused",
    "trigger.resumed",
    "trigger.fired",
    "trigger.execution.completed",
    "trigger.execution.failed",
    "taxonomy.created",
    "taxonomy.updated",
    "taxonomy.deleted",
    "alert.created",
    "alert.updated",
    "alert.deleted",
    "alert.triggered",
    "alert.execution.completed",
    "alert.execution.failed",
};

}  // namespace

std::span<const std::string_view> AllEventTypes() { return kEventTypes; }

std::optional<int> EventTypeIndex(std::string_view name) {
  auto it = std::find(kEventTypes.begin(), kEventTypes.end(), name);
  if (it == kEventTypes.end()) return std::nullopt;
  return static_cast<int>(it - kEventTypes.begin());
}

bool IsSubscribableEventType(std::string_view name) {
  return name == kWildcardEventType || EventTypeIndex(name).has_value();
}

uint32_t EventMask(const std::vector<std::string>& event_types) {
  uint32_t mask = 0;
  for (const std::string& t : event_types) {
    if (t == kWildcardEventType) {
      mask |= 1u << 31;
    } else if (auto i = EventTypeIndex(t)) {
      mask |= 1u << *i;
    }
  }
  return mask;
}

bool Receives(const std::vector<std::string>& event_types, std::string_view event_type) {
  return std::any_of(event_types.begin(), event_types.end(), [&](const std::string& t) {
    return t == kWildcardEventType || t == event_type;
  });
}

}  // namespace webhooks
