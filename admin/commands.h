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

int OrgCreate(LmdbStore& store, const Args& args);
int KeyCreate(LmdbStore& store, const Args& args);

}  // namespace webhooks::admin

#endif  // WEBHOOKS_ADMIN_COMMANDS_H_
