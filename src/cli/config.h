#pragma once
// Settings: one file read by serve and every command, then the environment, then the command
// line; the later wins. A setting is an option that describes the installation rather than one
// run: every global option (--db), every option of `serve`, and prune's --keep-log-days (the
// same retention as serve's). Per-run arguments (USER, --json, --yes, --all, ...) never are: a
// file or the environment must not answer a question for the admin.
//
//   file:         /etc/qblink/qblink.conf if it exists, or --config FILE (env QBLINK_CONFIG)
//                 instead; `key = value` lines, the key is the long option without "--"
//   environment:  QBLINK_ + the key in upper snake case (tls-cert -> QBLINK_TLS_CERT)
//   command line: --key value
//
// CLI11's own config support is not used: it lets the file win over the environment, and its
// INI reader splits a value at spaces or commas (a path or URL must arrive whole).
#include <map>
#include <string>
#include <vector>

#include "cli/commands.h"

namespace CLI {
class App;
class Option;
}  // namespace CLI

namespace qblink::cli {

inline constexpr const char* kDefaultConfigFile = "/etc/qblink/qblink.conf";

struct ConfigValue {
  std::string value;
  int line = 0;
};

// key -> value as written (quotes around a value removed). Throws Error naming the file and
// line for a line that is not `key = value`, a section, or a key given twice. Keys are checked
// against the settings by apply_settings.
std::map<std::string, ConfigValue> read_config_file(const std::string& path);

// "tls-cert" -> "QBLINK_TLS_CERT".
std::string env_name(const std::string& key);

// Every setting of the program, for --help and the checks: call once all commands are added.
// Appends "[config KEY, env QBLINK_KEY]" to each one's help text.
void describe_settings(CLI::App& app);

// Runs once the command line is parsed and before any command: reads the settings file and
// gives each setting of the chosen command that no flag set its value from the environment or
// the file. Records where --db came from in ctx. Throws Error naming the file, line or variable
// of a bad value, an unknown key or an explicit --config that does not exist.
void apply_settings(CLI::App& app, Context& ctx);

// The help text's section on settings (the footer of `qblink --help`).
std::string settings_help();

}  // namespace qblink::cli
