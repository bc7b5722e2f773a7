// How channel content without a file of its own reads for operators (M1): a shared place, a contact card, a reaction,
// a type the channel cannot show. Pure: the drivers build the structured part, these give every message its `text`.
import { previewOf } from './ticket-rules';

export interface Place {
  latitude: number;
  longitude: number;
  name?: string | undefined;
  address?: string | undefined;
}

export interface Card {
  name: string;
  phones: readonly string[];
  emails?: readonly string[] | undefined;
  organization?: string | undefined;
}

/** A link any browser opens on a map (Google Maps URLs, no key needed); coordinates to 6 decimals (~10 cm). */
export function mapUrlOf(latitude: number, longitude: number): string {
  return `https://www.google.com/maps/search/?api=1&query=${latitude.toFixed(6)},${longitude.toFixed(6)}`;
}

/** "📍 Office, Main St 1 — https://…" (a bare pin reads "📍 Location — https://…"). */
export function placeText(place: Place): string {
  const label = [place.name, place.address].filter((part) => part?.trim()).join(', ') || 'Location';
  return `📍 ${label} — ${mapUrlOf(place.latitude, place.longitude)}`;
}

/** "👤 Ivan Petrov, +7 900 000-00-00, ivan@example.com" — one line per card. */
export function cardText(cards: readonly Card[]): string {
  return cards
    .map((card) =>
      ['👤', [card.name, card.organization, ...card.phones, ...(card.emails ?? [])].filter(Boolean).join(', ')].join(
        ' ',
      ),
    )
    .join('\n');
}

/** A reaction as a note on the message it reacts to; an empty emoji is a reaction taken back. */
export function reactionText(emoji: string, reactedTo: string | undefined): string {
  const target = reactedTo === undefined ? 'a message' : `“${previewOf(reactedTo) || '…'}”`;
  return emoji ? `Reacted ${emoji} to ${target}` : `Removed the reaction to ${target}`;
}

export function unsupportedText(type: string): string {
  return `The client sent a message of type ${type} that this channel cannot show.`;
}
