// webhookctl subcommands. Each takes its own arguments (after the command words) and the open
// store, prints its result on stdout, and returns the process exit code (0 ok, 1 failure,
// 2 misuse). Errors go to stderr.
#ifndef WEBHOOKS_ADMIN_COMMANDS_H_
#define WEBHOOKS_ADMIN_COMMANDS_H_

#include <string>
#include <vector>

#include "store/lmdb_store.h"

namespace webhooks::admin {

using Args = std::vector<std::string>;

// What every command gets: the open store and the data directory it lives in.
struct Context {
  LmdbStore& store;
  std::string data_dir;
};

int OrgCreate(Context& ctx, const Args& args);
int KeyCreate(Context& ctx, const Args& args);
// event emit --org ORG --type TYPE [--data JSON]: appends an event like POST /v1/events (the
// --data object gives the other body fields) and prints its event_id.
int EventEmit(Context& ctx, const Args& args);

}  // namespace webhooks::admin

#endif  // WEBHOOKS_ADMIN_COMMANDS_H_
