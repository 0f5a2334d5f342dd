// Measures the offline voice's speaking rate per language: each sample (the same short narration,
// written in each language) is spoken by the EspeakSpeech provider exactly as a task speaks it,
// and the rate is its words (or characters) over the time spent speaking: the narration's real
// length less the lead-in, the tail and the pause between sentences, which domain/script.ts adds
// back per sentence (a script of short sentences has more pauses). Rerun this after changing the
// voice's pauses or rate, and copy the speech rates into domain/script.ts.
//   node bench/speaking-rates.ts
import { rm } from 'node:fs/promises';
import { splitSentences, splitWords } from '../functions/domain/text.ts';
import { EspeakSpeech, LEAD_IN_S, SENTENCE_PAUSE_S, TAIL_S } from '../functions/providers/espeak-speech.ts';
import { tempDir } from '../test/support/temp-dir.ts';

/** Narration in the style a written script has: short declarative sentences, a question, a list. */
export const SAMPLES: Record<string, string> = {
  en:
    'The octopus has three hearts and blue blood. Two of the hearts pump blood through the gills, and the third sends it to the rest of the body. ' +
    'Its arms can taste what they touch. Each arm has its own cluster of nerves, so it can act almost on its own. ' +
    'Why does this matter? Because an octopus can open a jar, escape a tank, and change colour in less than a second. ' +
    'Scientists still argue about how clever these animals really are. One thing is certain: they are nothing like us.',
  es:
    'El pulpo tiene tres corazones y sangre azul. Dos de los corazones bombean sangre a través de las branquias, y el tercero la envía al resto del cuerpo. ' +
    'Sus brazos pueden saborear lo que tocan. Cada brazo tiene su propio grupo de nervios, así que puede actuar casi por su cuenta. ' +
    '¿Por qué importa esto? Porque un pulpo puede abrir un frasco, escapar de un tanque y cambiar de color en menos de un segundo. ' +
    'Los científicos todavía discuten lo inteligentes que son estos animales. Una cosa es segura: no se parecen en nada a nosotros.',
  fr:
    'La pieuvre a trois cœurs et le sang bleu. Deux de ses cœurs pompent le sang à travers les branchies, et le troisième l’envoie dans le reste du corps. ' +
    'Ses bras peuvent goûter ce qu’ils touchent. Chaque bras a son propre groupe de nerfs, il peut donc agir presque seul. ' +
    'Pourquoi est-ce important ? Parce qu’une pieuvre peut ouvrir un bocal, s’échapper d’un aquarium et changer de couleur en moins d’une seconde. ' +
    'Les scientifiques se demandent encore à quel point ces animaux sont intelligents. Une chose est sûre : ils ne nous ressemblent en rien.',
  de:
    'Der Oktopus hat drei Herzen und blaues Blut. Zwei der Herzen pumpen Blut durch die Kiemen, und das dritte schickt es in den restlichen Körper. ' +
    'Seine Arme können schmecken, was sie berühren. Jeder Arm hat sein eigenes Nervenbündel und kann deshalb fast selbstständig handeln. ' +
    'Warum ist das wichtig? Weil ein Oktopus ein Glas öffnen, aus einem Becken entkommen und in weniger als einer Sekunde die Farbe wechseln kann. ' +
    'Forscher streiten immer noch darüber, wie klug diese Tiere wirklich sind. Eines ist sicher: Sie sind uns überhaupt nicht ähnlich.',
  it:
    'Il polpo ha tre cuori e il sangue blu. Due dei cuori pompano il sangue attraverso le branchie, e il terzo lo invia al resto del corpo. ' +
    'Le sue braccia possono sentire il sapore di ciò che toccano. Ogni braccio ha il proprio gruppo di nervi, quindi può agire quasi da solo. ' +
    'Perché è importante? Perché un polpo può aprire un barattolo, fuggire da una vasca e cambiare colore in meno di un secondo. ' +
    'Gli scienziati discutono ancora su quanto siano davvero intelligenti questi animali. Una cosa è certa: non ci somigliano per niente.',
  pt:
    'O polvo tem três corações e sangue azul. Dois dos corações bombeiam sangue pelas brânquias, e o terceiro o envia para o resto do corpo. ' +
    'Seus braços conseguem sentir o gosto do que tocam. Cada braço tem seu próprio conjunto de nervos, então pode agir quase sozinho. ' +
    'Por que isso importa? Porque um polvo consegue abrir um pote, fugir de um aquário e mudar de cor em menos de um segundo. ' +
    'Os cientistas ainda discutem o quanto esses animais são realmente inteligentes. Uma coisa é certa: eles não se parecem em nada conosco.',
  nl:
    'De octopus heeft drie harten en blauw bloed. Twee van de harten pompen bloed door de kieuwen, en het derde stuurt het naar de rest van het lichaam. ' +
    'Zijn armen kunnen proeven wat ze aanraken. Elke arm heeft zijn eigen bundel zenuwen, dus hij kan bijna zelfstandig handelen. ' +
    'Waarom is dat belangrijk? Omdat een octopus een pot kan openen, uit een aquarium kan ontsnappen en in minder dan een seconde van kleur kan veranderen. ' +
    'Wetenschappers discussiëren nog steeds over hoe slim deze dieren echt zijn. Eén ding is zeker: ze lijken totaal niet op ons.',
  ru:
    'У осьминога три сердца и голубая кровь. Два сердца качают кровь через жабры, а третье гонит её по всему телу. ' +
    'Его щупальца чувствуют вкус того, к чему прикасаются. У каждого щупальца свой пучок нервов, поэтому оно может действовать почти само по себе. ' +
    'Почему это важно? Потому что осьминог умеет открывать банку, сбегать из аквариума и менять цвет меньше чем за секунду. ' +
    'Учёные до сих пор спорят, насколько умны эти животные. Ясно одно: они совсем не похожи на нас.',
  ja:
    'タコには心臓が三つあり、血は青い。二つの心臓はえらに血を送り、三つ目は体の残りに血を送る。' +
    '腕は触れたものの味を感じることができる。それぞれの腕に神経の束があるので、ほとんど自分で動ける。' +
    'なぜこれが大事なのか。タコは瓶を開け、水槽から逃げ出し、一秒もかからずに色を変えられるからだ。' +
    '科学者たちは、この動物が本当にどれほど賢いのか、今も議論している。確かなことが一つある。タコは私たちとまったく違う。',
  zh:
    '章鱼有三颗心脏，血液是蓝色的。其中两颗心脏把血液送过鳃，第三颗把血液送到身体的其他部分。' +
    '它的腕能尝到所触碰东西的味道。每条腕都有自己的神经束，所以几乎可以独立行动。' +
    '这为什么重要？因为章鱼能打开瓶子，逃出水箱，还能在不到一秒内改变颜色。' +
    '科学家们至今仍在争论这些动物到底有多聪明。有一点是肯定的：它们和我们完全不同。',
};

/** Whether a language is written without spaces: its budget is counted in characters. */
const NO_SPACES = new Set(['ja', 'zh']);

async function main(): Promise<void> {
  const espeak = new EspeakSpeech({ espeakPath: process.env.ESPEAK_PATH ?? 'espeak-ng' });
  const dir = tempDir('speaking-rates-');
  try {
    console.log('| language | words | characters | sentences | narration s | speaking s | words/s | characters/s | characters/word |');
    console.log('|---|---|---|---|---|---|---|---|---|');
    for (const [language, text] of Object.entries(SAMPLES)) {
      const n = await espeak.synthesize({ text, language }, dir, AbortSignal.timeout(120_000));
      const words = NO_SPACES.has(language) ? NaN : splitWords(text, language).length;
      const chars = [...text.replace(/\s+/g, ' ').trim()].length;
      const letters = [...text.replace(/\s+/g, '')].length;
      const sentences = splitSentences(text, language).length;
      const speaking = n.durationS - LEAD_IN_S - TAIL_S - (sentences - 1) * SENTENCE_PAUSE_S;
      const f = (x: number) => (Number.isNaN(x) ? '—' : x.toFixed(2));
      console.log(
        `| ${language} | ${NO_SPACES.has(language) ? '—' : words} | ${chars} | ${sentences} | ${n.durationS.toFixed(2)} | ${speaking.toFixed(2)} | ` +
          `${f(words / speaking)} | ${f(letters / speaking)} | ${f(chars / words)} |`,
      );
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

if (import.meta.main) await main();
