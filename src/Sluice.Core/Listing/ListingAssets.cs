using System.Security.Cryptography;
using System.Text;

namespace Sluice.Core.Listing;

// The listing page's one style and one script, constant text so that the Content-Security-Policy
// can allow exactly them by hash (CSP3 §8.3) and nothing else: no 'unsafe-inline', no nonce to
// generate per response, and a page that is the same bytes for every client can be cached and
// compressed once. The script carries no data; it reads what it needs from the DOM (data-name,
// data-href attributes, already HTML-escaped), so a hostile file name never becomes script text.
public static class ListingAssets
{
    // Phone widths (390 px): the name column takes the room left by fixed-width columns and wraps
    // anywhere (a 200-character name without spaces must not widen the table); below 600 px the
    // date column is hidden, so nothing scrolls sideways.
    public const string Style =
        "body{font-family:system-ui,sans-serif;margin:1em auto;max-width:60em;padding:0 1em}"
        + "h1{font-size:1.3em;overflow-wrap:anywhere}h1 a{text-decoration:none}"
        + "table{border-collapse:collapse;width:100%;table-layout:fixed}"
        + "th,td{padding:.25em .5em;text-align:left;vertical-align:top}th{white-space:nowrap}"
        + "td.name{overflow-wrap:anywhere}th.size{width:6.5em}th.time{width:11em}th.act{width:5em}"
        + "td.size{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}"
        + "tbody tr:nth-child(even){background:#f4f4f4}"
        + ".tools{display:flex;flex-wrap:wrap;gap:.5em 1em;align-items:center}"
        + "#filter{flex:1 1 12em;min-width:0;max-width:100%;font:inherit;padding:.2em}"
        + "#drop{border:2px dashed #999;padding:1em;margin:.5em 0;text-align:center}"
        + "#drop.over{background:#eef}#progress{list-style:none;padding:0;overflow-wrap:anywhere}"
        + "@media (max-width:600px){th.time,td.time{display:none}body{padding:0 .5em}th,td{padding:.25em .3em}}";

    public const string Script =
        "(function(){\"use strict\";"
        + "var f=document.getElementById(\"filter\");"
        + "if(f){f.hidden=false;f.addEventListener(\"input\",function(){var q=f.value.toLowerCase();"
        + "document.querySelectorAll(\"tbody tr[data-name]\").forEach(function(r){"
        + "r.hidden=q!==\"\"&&r.dataset.name.toLowerCase().indexOf(q)<0;});});}"
        + "function send(m,u,body,bar,done){var x=new XMLHttpRequest();x.open(m,u);"
        + "if(bar){x.upload.onprogress=function(e){if(e.lengthComputable){bar.value=e.loaded/e.total;}};}"
        + "x.onloadend=function(){done(x.status);};x.send(body);}"
        + "var list=document.getElementById(\"progress\");"
        + "function upload(files){var left=files.length,failed=0;"
        + "Array.prototype.forEach.call(files,function(file){var li=document.createElement(\"li\"),bar=document.createElement(\"progress\");"
        + "bar.max=1;bar.value=0;li.textContent=file.name+\" \";li.appendChild(bar);list.appendChild(li);"
        + "send(\"PUT\",encodeURIComponent(file.name),file,bar,function(s){var ok=s>=200&&s<300;if(!ok){failed++;}"
        + "li.appendChild(document.createTextNode(ok?\" done\":\" failed (\"+s+\")\"));"
        + "if(--left===0&&failed===0){location.reload();}});});}"
        + "var input=document.getElementById(\"files\");"
        + "if(input){input.addEventListener(\"change\",function(){upload(input.files);});}"
        + "var drop=document.getElementById(\"drop\");"
        + "if(drop){drop.addEventListener(\"dragover\",function(e){e.preventDefault();drop.className=\"over\";});"
        + "drop.addEventListener(\"dragleave\",function(){drop.className=\"\";});"
        + "drop.addEventListener(\"drop\",function(e){e.preventDefault();drop.className=\"\";upload(e.dataTransfer.files);});}"
        + "document.querySelectorAll(\"button.del\").forEach(function(b){b.addEventListener(\"click\",function(){"
        + "var href=b.dataset.href;if(!confirm(\"Delete \"+b.closest(\"tr\").dataset.name+\"?\")){return;}"
        + "send(\"DELETE\",href,null,null,function(s){if(s>=200&&s<300){location.reload();}else{alert(\"Delete failed (\"+s+\")\");}});});});"
        + "})();";

    // connect-src 'self': the script's PUT and DELETE go to this origin only. form-action 'none':
    // the page has no form that submits (uploads go through the script).
    public static string ContentSecurityPolicy { get; } =
        "default-src 'none'; style-src 'sha256-" + Hash(Style) + "'; script-src 'sha256-" + Hash(Script)
        + "'; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

    private static string Hash(string text) => Convert.ToBase64String(SHA256.HashData(Encoding.UTF8.GetBytes(text)));
}
