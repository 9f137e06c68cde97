// A process-wide interrupt flag: set from any thread (the Jupyter kernel's I/O worker, on an
// interrupt_request) while the main thread may be inside a long kernel. Kernels poll it between
// blocks of work and return early; the binding then throws KeyboardInterrupt. The kernel clears
// it before each cell.
#pragma once

namespace lowbit {

void request_interrupt();
void clear_interrupt();
bool interrupted();

}  // namespace lowbit
