#pragma once
// gSOAP adapter (filled in by the soap layer).
