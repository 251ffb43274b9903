// webhookctl eventlog check / eventlog skip-damage: damage in the event log, for operators
// (declared in admin/commands.h). The notifier stops at damage, logs it, and goes on only once
// its cursor is moved past it.
#include <boost/program_options.hpp>
#include <iostream>

#include "admin/commands.h"
#include "eventlog/file_event_log.h"
#include "eventlog/log_check.h"
#include "model/json_input.h"
#include "store/lmdb_admin.h"

namespace po = boost::program_options;

namespace webhooks::admin {
namespace {

void PrintCheckJson(const LogCheck& check, uint64_t cursor) {
  rapidjson::StringBuffer buf;
  JsonWriter w(buf);
  w.StartObject();
  w.Key("segments");
  w.Uint64(check.segments);
  w.Key("records");
  w.Uint64(check.records);
  w.Key("first");
  w.Uint64(check.first);
  w.Key("end");
  w.Uint64(check.end);
  w.Key("notifier_cursor");
  w.Uint64(cursor);
  w.Key("damage");
  w.StartArray();
  for (const LogDamage& d : check.damage) {
    w.StartObject();
    w.Key("start");
    w.Uint64(d.start);
    w.Key("resume");
    w.Uint64(d.resume);
    w.Key("problem");
    w.String(d.problem);
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
  std::cout << buf.GetString() << "\n";
}

void PrintCheckText(const LogCheck& check, uint64_t cursor) {
  std::cout << check.segments << " segments, " << check.records << " intact records, positions "
            << check.first << " to " << check.end << "; the notifier is at " << cursor << "\n";
  if (check.damage.empty()) std::cout << "no damage\n";
  for (const LogDamage& d : check.damage) {
    std::cout << "damage at " << d.start << " (records resume at " << d.resume << ", "
              << d.resume - d.start << " bytes): " << d.problem
              << (d.start == cursor ? "  <- the notifier is stopped here" : "") << "\n";
  }
}

}  // namespace

int EventLogCheck(Context& ctx, const Args& args) {
  po::options_description desc = Options(true);
  po::variables_map vm;
  const char* usage =
      "Usage: webhookctl --data-dir DIR eventlog check [--json]\n"
      "Reads every record of the event log, checking each checksum, and lists the damage.\n"
      "Exit 0 without damage, 1 with.";
  if (int rc = Parse(args, desc, usage, &vm); rc >= 0) return rc;
  absl::StatusOr<LogCheck> check = CheckFileEventLog(ctx.data_dir + "/events");
  if (!check.ok()) return Fail(check.status(), "cannot read the event log");
  absl::StatusOr<StoreStats> stats = ReadStoreStats(ctx.store);
  if (!stats.ok()) return Fail(stats.status(), "cannot read the store");
  if (vm.count("json")) {
    PrintCheckJson(*check, stats->notifier_cursor);
  } else {
    PrintCheckText(*check, stats->notifier_cursor);
  }
  return check->damage.empty() ? 0 : 1;
}

int EventLogSkipDamage(Context& ctx, const Args& args) {
  po::options_description desc = Options(false);
  po::variables_map vm;
  const char* usage =
      "Usage: webhookctl --data-dir DIR eventlog skip-damage\n"
      "Moves the notifier past the damaged stretch of the event log where it stopped, to where\n"
      "records read intact again. The events stored in the stretch are lost. Safe while the\n"
      "notifier runs.";
  if (int rc = Parse(args, desc, usage, &vm); rc >= 0) return rc;
  const std::string dir = ctx.data_dir + "/events";
  absl::StatusOr<StoreStats> stats = ReadStoreStats(ctx.store);
  if (!stats.ok()) return Fail(stats.status(), "cannot read the store");
  const uint64_t cursor = stats->notifier_cursor;
  // Damage in the newest segment: appends go on in a new segment, so records resume there.
  if (absl::Status st = PrepareFileEventLog(dir); !st.ok()) {
    return Fail(st, "cannot prepare the event log");
  }
  absl::StatusOr<LogDamage> damage = FileEventLogDamageAt(dir, cursor);
  if (!damage.ok()) return Fail(damage.status(), "nothing skipped");
  if (absl::Status st = MoveNotifierCursor(ctx.store, cursor, damage->resume); !st.ok()) {
    return Fail(st, "nothing skipped");
  }
  std::cout << "skipped positions " << damage->start << " to " << damage->resume << " ("
            << damage->resume - damage->start << " bytes: " << damage->problem
            << "); the events stored there are lost; the notifier goes on from " << damage->resume
            << "\n";
  return 0;
}

}  // namespace webhooks::admin
