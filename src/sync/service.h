#pragma once
// The application service behind each QBWC call (filled in by the sync layer).
