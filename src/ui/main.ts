// The desktop's entry point: registers the top-level element (index.html places it).
import './tabvisor-app.ts';
