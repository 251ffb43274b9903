// webhookctl subcommands. Each takes its own arguments (after the command words) and the open
// store, prints its result on stdout, and returns the process exit code (0 ok, 1 failure,
// 2 misuse). Errors go to stderr.
#ifndef WEBHOOKS_ADMIN_COMMANDS_H_
#define WEBHOOKS_ADMIN_COMMANDS_H_

#include <boost/program_options.hpp>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "store/lmdb_store.h"

namespace webhooks::admin {

using Args = std::vector<std::string>;

// What every command gets: the open store and the data directory it lives in.
struct Context {
  LmdbStore& store;
  std::string data_dir;
};

// Parses `args` against `desc` (printing `usage` and the options for --help or on misuse).
// Returns -1 to continue, else the exit code to return now (0 after --help, 2 on misuse).
int Parse(const Args& args, const boost::program_options::options_description& desc,
          const char* usage, boost::program_options::variables_map* vm);
// The options every command takes: --help, and --json when `json`.
boost::program_options::options_description Options(bool json);
// Prints "webhookctl: <what>: <status message>" on stderr and returns 1.
int Fail(const absl::Status& status, const std::string& what);

int OrgCreate(Context& ctx, const Args& args);
int KeyCreate(Context& ctx, const Args& args);
// event emit --org ORG --type TYPE [--data JSON]: appends an event like POST /v1/events (the
// --data object gives the other body fields) and prints its event_id.
int EventEmit(Context& ctx, const Args& args);

// Defined in admin/dump.cc.
// dump [--out FILE] [--include-state] [--progress]: writes a consistent snapshot as JSON Lines
// (store/dump_format.h) to FILE (atomically: a temporary file renamed once complete) or stdout.
int Dump(Context& ctx, const Args& args);
// restore --in FILE [--replace] [--progress]: checks the whole file, then applies it in one
// write transaction (store/store_restore.h). Exit 1 on a refused file or a non-empty store.
// It opens the store in `data_dir` itself, with RestoreLmdbOptions once the checks pass, so a
// refused restore leaves data.mdb byte-for-byte as it was.
int Restore(const std::string& data_dir, const Args& args);

// Defined in admin/admin_commands.cc. Tabular ones take --json.
int OrgList(Context& ctx, const Args& args);          // org list
int KeyList(Context& ctx, const Args& args);          // key list --org ORG
int KeyRevoke(Context& ctx, const Args& args);        // key revoke KEY_PREFIX [--org ORG]
int WebhookList(Context& ctx, const Args& args);      // webhook list --org ORG
int ChannelsFailing(Context& ctx, const Args& args);  // channels failing: disabled or failing
int DeliveriesRetry(Context& ctx, const Args& args);  // deliveries retry --webhook ID [--since T]
int Stats(Context& ctx, const Args& args);            // stats

// Defined in admin/eventlog_commands.cc.
// eventlog check [--json]: every record read with its checksum; the damage, and where records
// resume after each stretch; exit 1 when there is damage.
int EventLogCheck(Context& ctx, const Args& args);
// eventlog skip-damage: moves the notifier's cursor from the damage it stopped at to where
// records resume (starting a new segment first when the newest one is damaged).
int EventLogSkipDamage(Context& ctx, const Args& args);

}  // namespace webhooks::admin

#endif  // WEBHOOKS_ADMIN_COMMANDS_H_
