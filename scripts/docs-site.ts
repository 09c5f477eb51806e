import { readFileSync, readdirSync } from 'node:fs';
import { basename, dirname, join, posix, relative, resolve } from 'node:path';
import { Marked, type Tokens } from 'marked';
import type { Plugin, UserConfig } from 'vite';

/**
 * The static documentation site: an index page, one page per lab rendered
 * from docs/labs/*.md, and the desktop app beside them, built by Vite into
 * one directory that any static host can serve (every link is relative).
 *
 * Pages are generated in memory and handed to Vite as HTML entries (a
 * plugin resolves and loads them), so the site's scripts and styles go
 * through the same bundler as the app and nothing is written into docs/.
 *
 * Lab authors embed a live guest with a fenced block
 *
 *     ```vm-sandbox guest=sprout-pv
 *     ```
 *
 * or a raw `<vm-sandbox guest="sprout-hvm"></vm-sandbox>` tag; both become a
 * <vm-sandbox> element that boots its own VM server in the reader's tab.
 */

/** Where the site's sources sit; Vite's root, so output paths mirror it. */
const SITE = 'docs/site';
const LABS = 'docs/labs';

export interface Lab {
  /** File name without .md, e.g. 02-follow-a-ping. */
  readonly slug: string;
  readonly title: string;
  /** The first paragraph, plain text, for the index. */
  readonly summary: string;
  readonly markdown: string;
}

export function readLabs(repo: string): Lab[] {
  const dir = join(repo, LABS);
  return readdirSync(dir)
    .filter((f) => f.endsWith('.md'))
    .sort()
    .map((f) => {
      const markdown = readFileSync(join(dir, f), 'utf8');
      const title = /^#\s+(.+)$/m.exec(markdown)?.[1]?.trim() ?? basename(f, '.md');
      const summary =
        markdown
          .split(/\n\s*\n/)
          .find((p) => !/^\s*(#|```|<|\|)/.test(p))
          ?.replace(/\s+/g, ' ')
          .replace(/[`*]/g, '')
          .trim() ?? '';
      return { slug: basename(f, '.md'), title, summary, markdown };
    });
}

const escapeHtml = (s: string): string => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** `key=value` pairs of a fence's info string after its language word. */
function fenceAttributes(info: string): string {
  return [...info.matchAll(/([a-z][\w-]*)=("[^"]*"|\S+)/gi)]
    .map(([, k, v]) => `${k}="${escapeHtml((v ?? '').replace(/^"|"$/g, ''))}"`)
    .join(' ');
}

/**
 * Markdown to HTML for a page `depth` folders below the site root, whose
 * source sits in the repo's folder `source`: links to other labs' .md become
 * .html, a link to the repo's index.html (the desktop) goes to desktop.html, and each widget learns where the guest
 * images are (the widget's own default is the host's root, not the page's).
 */
export function renderMarkdown(markdown: string, depth: number, source: string): string {
  const up = '../'.repeat(depth);
  const marked = new Marked({
    gfm: true,
    walkTokens(token) {
      if (token.type === 'link') {
        const link = token as Tokens.Link;
        if (/^[a-z]+:|^\/|^#/i.test(link.href)) return;
        // In the checkout the desktop is the repo's index.html; in the site, desktop.html (beside guests/).
        if (posix.normalize(posix.join(source, link.href)) === 'index.html') {
          link.href = `${up}desktop.html`;
        } else {
          link.href = link.href.replace(/\.md(#|$)/, '.html$1');
        }
      }
    },
    renderer: {
      code({ lang }) {
        const info = lang ?? '';
        if (/^vm-sandbox(\s|$)/.test(info)) {
          return `<vm-sandbox ${fenceAttributes(info)}></vm-sandbox>\n`;
        }
        return false;
      },
    },
  });
  const html = marked.parse(markdown, { async: false });
  return html.replace(/<vm-sandbox(?![^>]*\simages=)/g, `<vm-sandbox images="${up}guests/"`);
}

function page(opts: {
  title: string;
  depth: number;
  body: string;
  labs: readonly Lab[];
  scripts: readonly string[];
  /** The app's <link rel="icon">, so no page asks the host for /favicon.ico. */
  icon: string;
}): string {
  const up = '../'.repeat(opts.depth) || './';
  const nav = opts.labs
    .map((l, i) => `<a href="${up}labs/${l.slug}.html">Lab ${i + 1}</a>`)
    .join('\n        ');
  return `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <title>${escapeHtml(opts.title)}</title>
    ${opts.icon}
    <link rel="stylesheet" href="${up}docs.css" />
${opts.scripts.map((s) => `    <script type="module" src="${s}"></script>\n`).join('')}  </head>
  <body>
    <header class="site">
      <nav>
        <a class="home" href="${up}index.html">Tabvisor docs</a>
        ${nav}
        <a href="${up}desktop.html">Open the desktop</a>
      </nav>
    </header>
    <main>
${opts.body}
    </main>
  </body>
</html>
`;
}

/** Every page of the site, keyed by its path relative to the site root. */
export function sitePages(repo: string): Map<string, string> {
  const labs = readLabs(repo);
  const app = readFileSync(join(repo, 'index.html'), 'utf8');
  const icon = /<link\s+rel="icon"[^>]*>/.exec(app)?.[0] ?? '';
  const pages = new Map<string, string>();
  const index = readFileSync(join(repo, SITE, 'index.md'), 'utf8').replace(
    '<!-- labs -->',
    labs.map((l) => `- [${l.title}](labs/${l.slug}.md) — ${l.summary}`).join('\n'),
  );
  pages.set(
    'index.html',
    page({
      title: 'Tabvisor — docs and labs',
      depth: 0,
      body: renderMarkdown(index, 0, SITE),
      labs,
      scripts: [],
      icon,
    }),
  );
  for (const lab of labs) {
    pages.set(
      `labs/${lab.slug}.html`,
      page({
        title: `${lab.title} — Tabvisor`,
        depth: 1,
        body: renderMarkdown(lab.markdown, 1, LABS),
        labs,
        scripts: ['../lab.ts'],
        icon,
      }),
    );
  }
  // The desktop itself, from the app's own index.html, its entry re-pointed; at the site's
  // root, so its guests/ beside the page are the site's.
  const entry = relative(join(repo, SITE), join(repo, 'src/ui/main.ts'));
  pages.set('desktop.html', app.replace('./src/ui/main.ts', entry));
  return pages;
}

/** Serves the generated pages to Vite as if they were files under the site root. */
function sitePagesPlugin(root: string, pages: Map<string, string>): Plugin {
  const byId = new Map([...pages].map(([p, html]) => [resolve(root, p), html]));
  return {
    name: 'tabvisor-docs-pages',
    enforce: 'pre',
    resolveId(id) {
      return byId.has(id) ? id : null;
    },
    load(id) {
      return byId.get(id) ?? null;
    },
  };
}

/** The Vite configuration of the docs site, for a checkout at `repo`. */
export function docsConfig(repo: string, outDir = join(repo, 'build/docs')): UserConfig {
  const root = join(repo, SITE);
  const pages = sitePages(repo);
  return {
    root,
    base: './',
    // public/ holds guests/sprout.elf: copied to guests/ beside the pages.
    publicDir: join(repo, 'public'),
    worker: { format: 'es' },
    plugins: [sitePagesPlugin(root, pages)],
    build: {
      target: 'es2022',
      outDir,
      emptyOutDir: true,
      rollupOptions: { input: [...pages.keys()].map((p) => resolve(root, p)) },
    },
    preview: { host: '127.0.0.1' },
  };
}

export const repoRoot = resolve(dirname(new URL(import.meta.url).pathname), '..');
