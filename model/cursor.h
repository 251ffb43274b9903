// Opaque list cursors. A cursor names the creation sequence number of the last webhook a page
// returned; the next page starts after it, so pages stay stable while webhooks are created
// (they get larger numbers) or deleted (they simply stop appearing).
#ifndef WEBHOOKS_MODEL_CURSOR_H_
#define WEBHOOKS_MODEL_CURSOR_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace webhooks {

std::string EncodeCursor(uint64_t last_seq);
// nullopt when `cursor` was not produced by EncodeCursor.
std::optional<uint64_t> DecodeCursor(std::string_view cursor);

}  // namespace webhooks

#endif  // WEBHOOKS_MODEL_CURSOR_H_
