// A lab page's script: defines <vm-sandbox>, so every widget in the page
// boots its own VM server (in its own worker, in memory) and its guest.
import '../../src/widget/vm-sandbox.ts';
