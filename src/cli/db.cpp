// qblink migrate / copy: the schema and moving an installation between SQLite and PostgreSQL.
#include <CLI/CLI.hpp>

#include <iostream>

#include "cli/commands.h"
#include "store/store.h"

namespace qblink::cli {
namespace {

std::unique_ptr<store::Store> open_unmigrated(const std::string& db) {
  try {
    return store::open(db, {.migrate = false});
  } catch (const std::exception& e) {
    throw Error("database " + store::redact(db) + ": " + e.what());
  }
}

}  // namespace

void add_db_commands(CLI::App& app, Context& ctx) {
  auto* migrate = app.add_subcommand(
      "migrate", "Apply pending schema migrations to the database (--db) and print the versions");
  migrate->callback([&ctx] {
    auto db = open_unmigrated(ctx.db_path);
    try {
      const int before = db->schema_version();
      const int after = db->migrate();
      std::cout << db->describe() << ": schema version " << before;
      if (after == before)
        std::cout << ", up to date\n";
      else
        std::cout << " -> " << after << " (" << after - before << " migration(s) applied)\n";
    } catch (const store::Error& e) {
      throw Error(e.what());
    }
  });

  auto from = std::make_shared<std::string>();
  auto to = std::make_shared<std::string>();
  auto* copy = app.add_subcommand(
      "copy", "Copy a whole installation to an empty database: SQLite file <-> postgresql:// URI");
  copy->add_option("--from", *from, "The database to copy (left unchanged)")->required();
  copy->add_option("--to", *to, "An empty database (created and migrated when new)")->required();
  copy->callback([from, to] {
    if (*from == *to) throw Error("--from and --to name the same database");
    auto source = open_unmigrated(*from);
    std::unique_ptr<store::Store> target;
    try {
      target = store::open(*to);
    } catch (const std::exception& e) {
      throw Error("database " + store::redact(*to) + ": " + e.what());
    }
    try {
      const auto counts = store::copy_installation(*source, *target);
      std::int64_t total = 0;
      for (const auto& c : counts) {
        std::cout << "  " << c.table << ": " << c.rows << " rows\n";
        total += c.rows;
      }
      std::cout << "copied " << source->describe() << " to " << target->describe() << ": "
                << counts.size() << " tables, " << total << " rows, counts verified\n";
    } catch (const store::Error& e) {
      throw Error(e.what());
    }
  });
}

}  // namespace qblink::cli
