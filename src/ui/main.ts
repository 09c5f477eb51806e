// The desktop's entry point: registers the top-level element.
import './tabvisor-app';
