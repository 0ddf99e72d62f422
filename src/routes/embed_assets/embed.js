(function(){
var root=document.documentElement,slug=root.getAttribute("data-roadmap");
var post=function(){parent.postMessage({type:"roadmap-api:resize",slug:slug,height:Math.ceil(root.scrollHeight)},"*")};
addEventListener("load",post);if(window.ResizeObserver){new ResizeObserver(post).observe(document.body)}else{addEventListener("resize",post)}
/* Progress: a checkbox beside each item with a data-key, bars per phase and overall. The
   reader's checks stay in this browser (localStorage, one entry per roadmap) and are sent
   nowhere; the parent page is told the percent only. Counted as the API's /progress counts:
   units from data-units, a phase's tracks ("a|b") one unit, done when any of them is. */
var main=document.querySelector("main[data-units]");if(!main)return;
var store="roadmap-api:progress:"+slug,fresh=function(){return Object.create(null)},done=fresh(),known=fresh(),boxes=[],bars=[],unsaved=false;
var units=function(el){return el.getAttribute("data-units").split(" ").filter(Boolean).map(function(u){return u.split("|")})};
var all=units(main);all.forEach(function(u){u.forEach(function(k){known[k]=1})});
var make=function(tag,cls,text){var e=document.createElement(tag);if(cls)e.className=cls;if(text)e.textContent=text;return e};
var count=function(list){return list.filter(function(u){return u.some(function(k){return done[k]})}).length};
var percent=function(n,t){return t?Math.floor(n*100/t):0};
var keys=function(){return Object.keys(done).sort()};
/* A page pinned to a revision (?rev=N) may lack items of later ones: it keeps their checks. */
var pinned=main.hasAttribute("data-pinned"),extra=[];
var save=function(){try{localStorage.setItem(store,JSON.stringify({done:keys().concat(extra)}))}catch(e){unsaved=true}};
var note=make("p","rp-ctl rp-note");note.setAttribute("role","status");
/* Takes a list of keys: those this roadmap has are done; answers how many it does not have. */
var adopt=function(list){done=fresh();extra=[];var gone=0;list.forEach(function(k){if(typeof k!=="string")return;if(known[k]===1)done[k]=1;else if(pinned)extra.push(k);else gone++});return gone};
var many=function(n,one,more){return n===1?one:n+" "+more};
var bar=function(list,label){var w=make("div","rp-ctl rp-bar"),p=make("progress"),s=make("span");p.max=100;p.setAttribute("aria-label",label);w.appendChild(p);w.appendChild(s);bars.push({p:p,s:s,list:list});return w};
var render=function(){boxes.forEach(function(b){b.checked=!!done[b.getAttribute("data-for")]});
bars.forEach(function(b){var n=count(b.list),t=b.list.length,v=percent(n,t);b.p.value=v;b.s.textContent=n+" of "+t+" done ("+v+"%)"});
if(unsaved)note.textContent="This browser does not keep your checks; export them to keep them.";
if(parent!==window)parent.postMessage({type:"roadmap-api:progress",slug:slug,percent:percent(count(all),all.length)},"*")};
var stored=[];try{var s=JSON.parse(localStorage.getItem(store)||"{}");if(s&&Array.isArray(s.done))stored=s.done}catch(e){unsaved=true}
var gone=adopt(stored);if(gone){note.textContent=many(gone,"One item you had checked was","items you had checked were")+" removed from this roadmap by an edit.";save()}
var tools=make("div","rp-ctl rp-tools");tools.appendChild(bar(all,"Overall progress"));
var button=function(text,act){var b=make("button",null,text);b.type="button";b.addEventListener("click",act);tools.appendChild(b)};
button("Reset",function(){done=fresh();note.textContent="";save();render()});
button("Export",function(){var a=make("a"),blob=new Blob([JSON.stringify({roadmap:slug,done:keys()},null,1)],{type:"application/json"});
a.href=URL.createObjectURL(blob);a.download=slug+"-progress.json";document.body.appendChild(a);a.click();a.remove();setTimeout(function(){URL.revokeObjectURL(a.href)},1000)});
var file=make("label","rp-file","Import"),input=make("input");input.type="file";input.accept="application/json,.json";file.appendChild(input);tools.appendChild(file);
input.addEventListener("change",function(){var f=input.files[0];input.value="";if(!f)return;
if(f.size>100000){note.textContent="That file is too large to be an export of progress.";return}
f.text().then(function(text){var d=JSON.parse(text);if(!d||!Array.isArray(d.done)||(d.roadmap&&d.roadmap!==slug))throw 0;
var left=adopt(d.done);note.textContent=left?many(left,"One item in the file is","items in the file are")+" not in this roadmap, so left out.":"Progress imported.";save();render()}).catch(function(){note.textContent="That file is not an export of progress of this roadmap."})});
tools.appendChild(note);var header=main.querySelector("header");main.insertBefore(tools,header?header.nextSibling:main.firstChild);
Array.prototype.forEach.call(main.querySelectorAll("h3[data-units]"),function(h){h.parentNode.insertBefore(bar(units(h),"Progress in "+h.textContent),h.nextSibling)});
Array.prototype.forEach.call(main.querySelectorAll("[data-key]"),function(item){var key=item.getAttribute("data-key"),box=make("input","rp-ctl rp-check");
box.type="checkbox";box.setAttribute("data-for",key);box.setAttribute("aria-label","Done: "+item.textContent.trim().slice(0,100));
box.addEventListener("change",function(){if(box.checked)done[key]=1;else delete done[key];save();render()});item.insertBefore(box,item.firstChild);boxes.push(box)});
render()})();
