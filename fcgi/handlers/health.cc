#include "fcgi/routes.h"

namespace webhooks::handlers {

absl::StatusOr<HttpResponse> Health(Services& s, const RequestContext&) {
  if (absl::Status st = s.webhooks.CheckReadable(); !st.ok()) {
    return absl::UnavailableError("Store not readable: " + std::string(st.message()));
  }
  if (s.events != nullptr && !s.events->Health().ok()) {
    // The cause (a path and an errno) went to the log with the append that failed.
    return absl::UnavailableError(
        "Event log takes no appends until webhook-api restarts (an fsync failed; see its log)");
  }
  return JsonResponse(200, R"({"status":"ok"})");
}

}  // namespace webhooks::handlers
