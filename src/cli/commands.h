#pragma once
// The command line: one file per command group, each adding its subcommands to the app.
// A command reports failure by throwing; run() prints a one-line reason and exits non-zero.
#include <stdexcept>
#include <string>

namespace CLI {
class App;
}

namespace qblink::cli {

struct Context {
  std::string db_path = "./qblink.db";  // --db, or env QBLINK_DB
};

struct Error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

void add_serve_command(CLI::App& app, Context& ctx);     // serve.cpp
void add_user_commands(CLI::App& app, Context& ctx);     // user.cpp
void add_qwc_command(CLI::App& app, Context& ctx);       // qwc.cpp
void add_account_commands(CLI::App& app, Context& ctx);  // accounts.cpp: customers / suppliers
void add_review_commands(CLI::App& app, Context& ctx);   // review.cpp
void add_adds_commands(CLI::App& app, Context& ctx);     // adds.cpp
void add_log_command(CLI::App& app, Context& ctx);       // log.cpp
void add_simulate_command(CLI::App& app, Context& ctx);  // simulate.cpp
void add_demo_command(CLI::App& app, Context& ctx);      // demo.cpp
void add_quickbooks_commands(CLI::App& app, Context& ctx);
void add_token_commands(CLI::App& app, Context& ctx);  // token.cpp: API tokens
void add_backup_commands(CLI::App& app, Context& ctx);
void add_db_commands(CLI::App& app, Context& ctx);  // db.cpp: migrate, copy

// Reads a password from standard input (first line, trailing newline removed).
std::string read_password_stdin();

int run(int argc, char** argv);

}  // namespace qblink::cli
