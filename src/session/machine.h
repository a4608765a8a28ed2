#pragma once
// The QBWC session state machine (filled in by the session layer).
