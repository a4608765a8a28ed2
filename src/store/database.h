#pragma once
// RAII over sqlite3 (filled in by the store layer).
