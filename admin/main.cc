// webhookctl: administration of the webhooks store (organizations, API keys, webhooks,
// deliveries), and dump / restore.
#include <functional>
#include <iostream>
#include <map>
#include <string>
#include <vector>

#include "admin/commands.h"

namespace {

using Command = std::function<int(webhooks::admin::Context&, const webhooks::admin::Args&)>;

const std::map<std::string, Command>& Commands() {
  static const std::map<std::string, Command> kCommands = {
      {"org create", webhooks::admin::OrgCreate},
      {"key create", webhooks::admin::KeyCreate},
      {"event emit", webhooks::admin::EventEmit},
      {"org list", webhooks::admin::OrgList},
      {"key list", webhooks::admin::KeyList},
      {"key revoke", webhooks::admin::KeyRevoke},
      {"webhook list", webhooks::admin::WebhookList},
      {"channels failing", webhooks::admin::ChannelsFailing},
      {"deliveries retry", webhooks::admin::DeliveriesRetry},
      {"stats", webhooks::admin::Stats},
      {"eventlog check", webhooks::admin::EventLogCheck},
      {"eventlog skip-damage", webhooks::admin::EventLogSkipDamage},
      {"dump", webhooks::admin::Dump},
  };
  return kCommands;
}

// Commands that open the store themselves, given the data directory.
using DirCommand = std::function<int(const std::string&, const webhooks::admin::Args&)>;
const std::map<std::string, DirCommand>& DirCommands() {
  static const std::map<std::string, DirCommand> kCommands = {
      {"restore", webhooks::admin::Restore},
  };
  return kCommands;
}

std::string Usage() {
  std::string text =
      "Usage: webhookctl --data-dir DIR COMMAND [options]\n"
      "Commands (each takes --help):\n";
  std::map<std::string, bool> names;
  for (const auto& [name, cmd] : Commands()) names[name] = true;
  for (const auto& [name, cmd] : DirCommands()) names[name] = true;
  for (const auto& [name, unused] : names) text += "  " + name + "\n";
  return text;
}

struct CommandLine {
  std::string data_dir;
  bool help = false;
  std::vector<std::string> words;  // the command, e.g. {"org", "create"}
  std::vector<std::string> rest;   // the command's own options
};

// Global options (--data-dir, --help) may appear anywhere; the first two bare words name the
// command and everything else belongs to it, for its own Boost.Program_options parser.
bool SplitCommandLine(int argc, char** argv, CommandLine* cl) {
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--data-dir") {
      if (i + 1 >= argc) return false;
      cl->data_dir = argv[++i];
    } else if (arg.rfind("--data-dir=", 0) == 0) {
      cl->data_dir = arg.substr(11);
    } else if (arg == "--help" || arg == "-h") {
      cl->help = true;
    } else if (cl->words.size() < 2 && !arg.empty() && arg[0] != '-' && cl->rest.empty()) {
      cl->words.push_back(arg);
    } else {
      cl->rest.push_back(arg);
    }
  }
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  CommandLine cl;
  if (!SplitCommandLine(argc, argv, &cl)) {
    std::cerr << "webhookctl: --data-dir needs a value\n" << Usage();
    return 2;
  }
  const std::vector<std::string>& words = cl.words;
  std::vector<std::string>& rest = cl.rest;
  const std::string& data_dir = cl.data_dir;
  std::string name;
  for (const std::string& w : words) name += (name.empty() ? "" : " ") + w;
  auto it = Commands().find(name);
  auto dir_it = DirCommands().find(name);
  if (it == Commands().end() && dir_it == DirCommands().end()) {
    bool help = cl.help;
    if (!help) std::cerr << "webhookctl: unknown command '" << name << "'\n";
    (help ? std::cout : std::cerr) << Usage() << "Global options: --data-dir DIR, --help\n";
    return help ? 0 : 2;
  }
  if (cl.help) rest.push_back("--help");
  if (data_dir.empty()) {
    std::cerr << "webhookctl: --data-dir is required\n" << Usage();
    return 2;
  }
  if (dir_it != DirCommands().end()) return dir_it->second(data_dir, rest);
  auto store = webhooks::LmdbStore::Open(data_dir, webhooks::LmdbOptions());
  if (!store.ok()) {
    std::cerr << "webhookctl: cannot open store in " << data_dir << ": " << store.status().message()
              << "\n";
    return 1;
  }
  webhooks::admin::Context ctx{**store, data_dir};
  return it->second(ctx, rest);
}
