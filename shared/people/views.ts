import { html, page, type SafeHtml } from '../http/html';
import type { ListFilter, Person } from './schema';

/** The HTML page of one page of people: the filters' form, a table, a link to the next page. */
export function peopleListPage(
  people: Person[],
  links: { self: string; next?: string; first: string; filter: ListFilter; limit: number },
): SafeHtml {
  const rows = people.map(
    (p) =>
      html`<tr>
        <td><a href="${personHref(links.self, p.uuid)}">${p.name}</a></td>
        <td class="n">${p.passengerClass}</td>
        <td>${p.sex}</td>
        <td class="n">${p.age}</td>
        <td class="n">${p.siblingsOrSpousesAboard}</td>
        <td class="n">${p.parentsOrChildrenAboard}</td>
        <td class="n">${p.fare}</td>
        <td>${p.survived ? 'yes' : 'no'}</td>
      </tr>`,
  );
  return page(
    'People',
    html`<h1>People</h1>
      ${filterForm(links.self, links.filter, links.limit)}
      <table>
        <thead>
          <tr>
            <th>Name</th>
            <th>Class</th>
            <th>Sex</th>
            <th>Age</th>
            <th>Siblings/spouses</th>
            <th>Parents/children</th>
            <th>Fare</th>
            <th>Survived</th>
          </tr>
        </thead>
        <tbody>
          ${
            rows.length > 0
              ? rows
              : html`<tr>
                  <td colspan="8">No people on this page.</td>
                </tr>`
          }
        </tbody>
      </table>
      <nav>
        ${links.next ? html`<a rel="next" href="${links.next}">Next page</a>` : html`<span>Last page.</span>`}
        · <a href="${links.first}">First page</a>
      </nav>`,
  );
}

/**
 * The list's filters as a plain GET form (no script: the page's CSP allows none, and its
 * form-action allows only this origin). "any" sends an empty value, which the list reads as
 * no filter.
 */
function filterForm(action: string, filter: ListFilter, limit: number): SafeHtml {
  const option = (value: string, label: string, current: unknown) =>
    html`<option value="${value}"${String(current ?? '') === value ? html` selected` : ''}>${label}</option>`;
  const select = (name: string, label: string, choices: [string, string][], current: unknown) =>
    html`<label>${label}
      <select name="${name}">
        ${option('', 'any', current)}${choices.map(([value, text]) => option(value, text, current))}
      </select></label
    >`;
  return html`<form method="get" action="${action}">
    ${select(
      'passengerClass',
      'Class',
      [
        ['1', '1st'],
        ['2', '2nd'],
        ['3', '3rd'],
      ],
      filter.passengerClass,
    )}
    ${select(
      'sex',
      'Sex',
      [
        ['female', 'female'],
        ['male', 'male'],
        ['other', 'other'],
      ],
      filter.sex,
    )}
    ${select(
      'survived',
      'Survived',
      [
        ['true', 'yes'],
        ['false', 'no'],
      ],
      filter.survived,
    )}
    <label
      >Name contains
      <input type="search" name="name" minlength="2" maxlength="100" value="${filter.name ?? ''}"
    /></label>
    <input type="hidden" name="limit" value="${limit}" />
    <button type="submit">Filter</button>
  </form>`;
}

/** The HTML page of one person. */
export function personPage(person: Person, listHref: string): SafeHtml {
  return page(
    person.name,
    html`<h1>${person.name}</h1>
      <dl>
        <dt>UUID</dt>
        <dd>${person.uuid}</dd>
        <dt>Survived</dt>
        <dd>${person.survived ? 'yes' : 'no'}</dd>
        <dt>Passenger class</dt>
        <dd>${person.passengerClass}</dd>
        <dt>Sex</dt>
        <dd>${person.sex}</dd>
        <dt>Age</dt>
        <dd>${person.age}</dd>
        <dt>Siblings or spouses aboard</dt>
        <dd>${person.siblingsOrSpousesAboard}</dd>
        <dt>Parents or children aboard</dt>
        <dd>${person.parentsOrChildrenAboard}</dd>
        <dt>Fare</dt>
        <dd>${person.fare}</dd>
      </dl>
      <nav><a href="${listHref}">All people</a></nav>`,
  );
}

function personHref(listPath: string, uuid: string): string {
  return `${listPath.replace(/\/$/, '')}/${encodeURIComponent(uuid)}`;
}
