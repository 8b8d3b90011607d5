// Audit d'accessibilité de pages HTML par axe-core, dans le chromium de Debian sans écran.
//
// Usage : node auditer.mjs [--captures DOSSIER] PAGE.html [PAGE.html…]
// Écrit sur la sortie standard un JSON : pour chaque page, les violations axe-core (règles WCAG 2.x
// A et AA, et bonnes pratiques), et, à 320 px de large, la largeur de la page (défilement
// horizontal) et les tableaux plus larges que leur boîte sans défilement propre.
// Chromium est lancé par ce script avec les options demandées (profil vide, pas de réseau
// d'arrière-plan) ; axe-core est injecté par le protocole DevTools (playwright-core).
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, existsSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve, basename } from "node:path";
import { pathToFileURL, fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

const ICI = fileURLToPath(new URL(".", import.meta.url));
const AXE = readFileSync(join(ICI, "node_modules", "axe-core", "axe.min.js"), "utf8");
const CHROMIUM = process.env.CHROMIUM || "/usr/bin/chromium";
const ETIQUETTES = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"];

function lancerChromium(profil) {
  const options = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    `--user-data-dir=${profil}`, "--remote-debugging-port=0", "about:blank",
  ];
  // Groupe de processus à lui : l'arrêt vise chromium et ses enfants (rendu, crashpad), qui
  // écrivent encore dans le profil après la fin du processus principal.
  const processus = spawn(CHROMIUM, options, { stdio: ["ignore", "ignore", "pipe"], detached: true });
  return new Promise((ok, echec) => {
    let journal = "";
    const delai = setTimeout(() => echec(new Error(`chromium ne répond pas : ${journal}`)), 30000);
    processus.stderr.on("data", (morceau) => {
      journal += morceau;
      const m = journal.match(/DevTools listening on (ws:\/\/\S+)/);
      if (m) { clearTimeout(delai); ok({ processus, adresse: m[1] }); }
    });
    processus.on("exit", (code) => { clearTimeout(delai); echec(new Error(`chromium arrêté (${code}) : ${journal}`)); });
  });
}

async function auditer(page, chemin, captures) {
  await page.setViewportSize({ width: 1280, height: 900 });
  await page.goto(pathToFileURL(resolve(chemin)).href, { waitUntil: "load" });
  await page.addScriptTag({ content: AXE });
  const resultat = await page.evaluate(async (etiquettes) => {
    const r = await window.axe.run(document, { runOnly: { type: "tag", values: etiquettes }, resultTypes: ["violations"] });
    return r.violations.map((v) => ({
      regle: v.id, impact: v.impact, aide: v.help,
      noeuds: v.nodes.slice(0, 5).map((n) => ({ cible: n.target.join(" "), resume: n.failureSummary })),
      n_noeuds: v.nodes.length,
    }));
  }, ETIQUETTES);
  if (captures) await page.screenshot({ path: join(captures, `${basename(chemin, ".html")}-1280.png`) });
  await page.setViewportSize({ width: 320, height: 640 });
  const etroit = await page.evaluate(() => {
    const tableaux = [...document.querySelectorAll("table")].filter((t) => {
      const boite = t.parentElement;
      const defile = ["auto", "scroll"].includes(getComputedStyle(boite).overflowX);
      return t.scrollWidth > boite.clientWidth + 1 && !defile;
    });
    const p = document.querySelector("main p");
    return {
      largeur_page: document.documentElement.scrollWidth,
      tableaux_debordants: tableaux.length,
      texte_justifie: p ? getComputedStyle(p).textAlign === "justify" : false,
      cesure: p ? getComputedStyle(p).hyphens : null,
    };
  });
  if (captures) {
    await page.screenshot({ path: join(captures, `${basename(chemin, ".html")}-320.png`) });
    const tableau = page.locator(".tableau").first();
    if (await tableau.count()) {
      await tableau.screenshot({ path: join(captures, `${basename(chemin, ".html")}-320-tableau.png`) });
    }
  }
  return { page: chemin, violations: resultat, a_320_px: etroit };
}

async function principal() {
  const args = process.argv.slice(2);
  let captures = null;
  if (args[0] === "--captures") { captures = args[1]; args.splice(0, 2); mkdirSync(captures, { recursive: true }); }
  const pages = args.filter((p) => existsSync(p));
  if (pages.length !== args.length || !pages.length) throw new Error("pages HTML introuvables : " + args.join(", "));
  const profil = mkdtempSync(join(tmpdir(), "axe-chromium-"));
  const { processus, adresse } = await lancerChromium(profil);
  try {
    const navigateur = await chromium.connectOverCDP(adresse);
    const contexte = navigateur.contexts()[0] ?? (await navigateur.newContext());
    const page = await contexte.newPage();
    const rapports = [];
    for (const chemin of pages) rapports.push(await auditer(page, chemin, captures));
    await navigateur.close();
    process.stdout.write(JSON.stringify(rapports, null, 1) + "\n");
  } finally {
    const fin = new Promise((ok) => processus.once("exit", ok));
    try { process.kill(-processus.pid, "SIGTERM"); } catch { processus.kill(); }
    await fin;
    try {
      rmSync(profil, { recursive: true, force: true, maxRetries: 20, retryDelay: 250 });
    } catch (e) {
      // Le nettoyage du profil temporaire n'est pas l'audit : il ne le fait pas échouer.
      console.error(`Profil temporaire de chromium laissé (${profil}) : ${e.message}`);
    }
  }
}

principal().catch((e) => { console.error(`Audit axe impossible : ${e.message}`); process.exit(2); });
