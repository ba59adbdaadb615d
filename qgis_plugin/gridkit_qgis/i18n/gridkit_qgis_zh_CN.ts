<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN">
  <context>
    <name>gridkit</name>
    <message>
      <location filename="../gui/dock.py" line="81" />
      <source>over the maximum</source>
      <translation>超过上限</translation>
    </message>
    <message>
      <location filename="../gui/dock.py" line="81" />
      <source>not contiguous</source>
      <translation>不连通</translation>
    </message>
    <message>
      <location filename="../gui/dock.py" line="81" />
      <source>gap</source>
      <translation>空隙</translation>
    </message>
    <message>
      <location filename="../gui/dock.py" line="82" />
      <source>overlap</source>
      <translation>重叠</translation>
    </message>
    <message>
      <location filename="../gui/dock.py" line="82" />
      <source>split compound</source>
      <translation>小区被拆分</translation>
    </message>
    <message>
      <location filename="../gui/dock.py" line="83" />
      <source>split exclusive site</source>
      <translation>专属网格被拆分</translation>
    </message>
    <message>
      <location filename="../gui/dock.py" line="83" />
      <source>under the minimum</source>
      <translation>低于下限</translation>
    </message>
    <message>
      <location filename="../gui/dock.py" line="84" />
      <source>off the target</source>
      <translation>偏离目标</translation>
    </message>
    <message>
      <location filename="../gui/dock.py" line="88" />
      <source>grid</source>
      <translation>网格</translation>
    </message>
    <message>
      <location filename="../gui/dock.py" line="88" />
      <source>residents' group</source>
      <translation>居民小组</translation>
    </message>
    <message>
      <location filename="../gui/dock.py" line="88" />
      <source>community</source>
      <translation>社区</translation>
    </message>
    <message>
      <location filename="../gui/dock.py" line="89" />
      <source>plan</source>
      <translation>方案</translation>
    </message>
    <message>
      <location filename="../gui/dock.py" line="97" />
      <source>{households} households, more than {max}</source>
      <translation>{households} 户，超过 {max} 户</translation>
    </message>
    <message>
      <location filename="../gui/dock.py" line="99" />
      <source>{households} households, fewer than {min}</source>
      <translation>{households} 户，少于 {min}</translation>
    </message>
    <message>
      <location filename="../gui/dock.py" line="101" />
      <source>{households} households, target {target}</source>
      <translation>{households} 户，目标 {target}</translation>
    </message>
    <message>
      <location filename="../gui/dock.py" line="103" />
      <source>holds no block</source>
      <translation>没有街块</translation>
    </message>
    <message>
      <location filename="../gui/dock.py" line="103" />
      <source>{n} separate pieces</source>
      <translation>分成 {n} 块</translation>
    </message>
    <message>
      <location filename="../gui/dock.py" line="105" />
      <source>{area} m² in no grid</source>
      <translation>{area} ㎡ 不属于任何网格</translation>
    </message>
    <message>
      <location filename="../gui/dock.py" line="107" />
      <source>{area} m² in two grids</source>
      <translation>{area} ㎡ 同属两个网格</translation>
    </message>
    <message>
      <location filename="../gui/dock.py" line="109" />
      <source>one compound in {n} grids</source>
      <translation>一个小区分在 {n} 个网格</translation>
    </message>
    <message>
      <location filename="../gui/dock.py" line="111" />
      <source>an exclusive site split or mixed ({n})</source>
      <translation>专属单位被拆分或混入其他地块（{n}）</translation>
    </message>
    <message>
      <location filename="../gui/dock.py" line="117" />
      <source>{text} (accepted exception)</source>
      <translation>{text}（已认可的例外）</translation>
    </message>
    <message>
      <location filename="../gui/dock.py" line="135" />
      <source>gridkit grids</source>
      <translation>gridkit 网格</translation>
    </message>
    <message>
      <location filename="../gui/dock.py" line="201" />
      <source>Make a gridkit plan of this layer</source>
      <translation>用此图层生成 gridkit 方案</translation>
    </message>
    <message>
      <location filename="../gui/dock.py" line="202" />
      <source>Grids drawn elsewhere: every block of the input goes to the grid it overlaps most; households come from the input (scaled to the layer's own figures if it has them)</source>
      <translation>其他软件绘制的网格：输入数据的每个街块归入与其重叠最多的网格；户数来自输入数据（图层自带户数时按其缩放）</translation>
    </message>
    <message>
      <location filename="../gui/dock.py" line="206" />
      <source>Code column</source>
      <translation>编码字段</translation>
    </message>
    <message>
      <location filename="../gui/dock.py" line="206" />
      <source>Name column</source>
      <translation>名称字段</translation>
    </message>
    <message>
      <location filename="../gui/dock.py" line="207" />
      <source>Households column</source>
      <translation>户数字段</translation>
    </message>
    <message>
      <location filename="../gui/dock.py" line="207" />
      <source>Community column</source>
      <translation>社区字段</translation>
    </message>
    <message>
      <location filename="../gui/dock.py" line="213" />
      <source>buildings and roads: a GeoPackage, folder or OSM file</source>
      <translation>建筑和道路：GeoPackage、文件夹或 OSM 文件</translation>
    </message>
    <message>
      <location filename="../gui/dock.py" line="219" />
      <source>Input</source>
      <translation>输入数据</translation>
    </message>
    <message>
      <location filename="../gui/dock.py" line="220" />
      <source>Make a plan…</source>
      <translation>生成方案…</translation>
    </message>
    <message>
      <location filename="../gui/dock.py" line="228" />
      <source>The area's input</source>
      <translation>区域的输入数据</translation>
    </message>
    <message>
      <location filename="../gui/dock.py" line="229" />
      <source>Vector sources</source>
      <translation>矢量数据</translation>
    </message>
    <message>
      <location filename="../gui/dock.py" line="230" />
      <source>All files</source>
      <translation>所有文件</translation>
    </message>
    <message>
      <location filename="../gui/dock.py" line="236" />
      <source>Divide this area</source>
      <translation>划分此区域</translation>
    </message>
    <message>
      <location filename="../gui/dock.py" line="241" />
      <source>Divide into communities and grids…</source>
      <translation>划分为社区和网格…</translation>
    </message>
    <message>
      <location filename="../gui/dock.py" line="242" />
      <source>Opens gridkit's Partition algorithm for this input; the plan it writes opens here for editing</source>
      <translation>打开 gridkit 的“划分社区和网格”算法处理此输入；生成的方案将在此打开以供编辑</translation>
    </message>
    <message>
      <location filename="../gui/dock.py" line="269" />
      <source>gridkit's Processing algorithms are not loaded; restart QGIS.</source>
      <translation>gridkit 的处理算法未加载，请重启 QGIS。</translation>
    </message>
    <message>
      <location filename="../gui/dock.py" line="288" />
      <source>(none)</source>
      <translation>（无）</translation>
    </message>
    <message>
      <location filename="../gui/dock.py" line="306" />
      <source>{path} is a gridkit plan without its layers {layers}: it cannot be edited. Open a complete copy of the plan, or make it again with Partition.</source>
      <translation>{path} 是缺少图层 {layers} 的 gridkit 方案：无法编辑。请打开该方案的完整副本，或用“划分社区和网格”重新生成。</translation>
    </message>
    <message>
      <location filename="../gui/dock.py" line="312" />
      <source>{name} is a layer of the input {input}.</source>
      <translation>{name} 是输入数据 {input} 的图层。</translation>
    </message>
    <message>
      <location filename="../gui/dock.py" line="315" />
      <source>Divide the area into a plan, or open a plan to edit its grids.</source>
      <translation>请将此区域划分为方案，或打开一个方案以编辑其网格。</translation>
    </message>
    <message>
      <location filename="../gui/dock.py" line="321" />
      <source>{name} is not a gridkit plan: map its columns and choose the input to make one.</source>
      <translation>{name} 不是 gridkit 方案：请对应其字段并选择输入数据以生成方案。</translation>
    </message>
    <message>
      <location filename="../gui/dock.py" line="337" />
      <source>Choose the input the households come from (buildings, roads).</source>
      <translation>请选择户数所来自的输入数据（建筑、道路）。</translation>
    </message>
    <message>
      <location filename="../gui/dock.py" line="340" />
      <source>Plan to write</source>
      <translation>要写入的方案</translation>
    </message>
    <message>
      <location filename="../gui/dock.py" line="345" />
      <source>{path} is open in the project; write the plan to another file.</source>
      <translation>{path} 已在工程中打开；请把方案写入另一个文件。</translation>
    </message>
    <message>
      <location filename="../gui/dock.py" line="358" />
      <source>gridkit: make a plan of a grid layer</source>
      <translation>gridkit：用网格图层生成方案</translation>
    </message>
    <message>
      <location filename="../gui/dock.py" line="358" />
      <source>Making the plan</source>
      <translation>生成方案</translation>
    </message>
    <message>
      <location filename="../gui/dock.py" line="364" />
      <source>Plan made of {grids} grids, {households} households (columns: {columns}).</source>
      <translation>已生成方案：{grids} 个网格，{households} 户（字段：{columns}）。</translation>
    </message>
    <message>
      <location filename="../gui/dock.py" line="365" />
      <source>none</source>
      <translation>无</translation>
    </message>
    <message>
      <location filename="../gui/dock.py" line="367" />
      <source>Grids holding no block, left out: {codes}.</source>
      <translation>不含街块的网格已略去：{codes}。</translation>
    </message>
    <message>
      <location filename="../gui/dock.py" line="369" />
      <source>The layer's grids break {failures}: fix them here.</source>
      <translation>图层的网格违反 {failures}：请在此修正。</translation>
    </message>
    <message>
      <location filename="../gui/dock.py" line="378" />
      <source>Grid layer</source>
      <translation>网格图层</translation>
    </message>
    <message>
      <location filename="../gui/dock.py" line="382" />
      <source>Open plan…</source>
      <translation>打开方案…</translation>
    </message>
    <message>
      <location filename="../gui/dock.py" line="386" />
      <source>Choose the grids layer of a plan GeoPackage.</source>
      <translation>请选择方案 GeoPackage 的网格（grids）图层。</translation>
    </message>
    <message>
      <location filename="../gui/dock.py" line="390" />
      <source>Save as separate units</source>
      <translation>拆成独立单元后保存</translation>
    </message>
    <message>
      <location filename="../gui/dock.py" line="391" />
      <source>Each grid or community in several pieces becomes that many units (new codes), then the plan is saved</source>
      <translation>分成几块的网格或社区拆成同样多个单元（新编码），然后保存方案</translation>
    </message>
    <message>
      <location filename="../gui/dock.py" line="400" />
      <source>Assign blocks</source>
      <translation>划入街块</translation>
    </message>
    <message>
      <location filename="../gui/dock.py" line="401" />
      <source>Click a block, or drag a box over blocks, to move them into the selected grid</source>
      <translation>单击街块或拖框选择多个街块，把它们划入所选网格</translation>
    </message>
    <message>
      <location filename="../gui/dock.py" line="403" />
      <source>Split by line</source>
      <translation>画线拆分</translation>
    </message>
    <message>
      <location filename="../gui/dock.py" line="404" />
      <source>Draw a line across the selected grid (right click ends it)</source>
      <translation>在所选网格上画一条穿过它的线（右键结束）</translation>
    </message>
    <message>
      <location filename="../gui/dock.py" line="406" />
      <source>Merge</source>
      <translation>合并</translation>
    </message>
    <message>
      <location filename="../gui/dock.py" line="406" />
      <source>Merge the two selected grids</source>
      <translation>合并所选的两个网格</translation>
    </message>
    <message>
      <location filename="../gui/dock.py" line="410" />
      <source>Rebalance into N</source>
      <translation>均分为 N 个</translation>
    </message>
    <message>
      <location filename="../gui/dock.py" line="411" />
      <source>Divide the selected grid into N grids along its streets</source>
      <translation>沿街巷把所选网格划分为 N 个网格</translation>
    </message>
    <message>
      <location filename="../gui/dock.py" line="412" />
      <source>Lock</source>
      <translation>锁定</translation>
    </message>
    <message>
      <location filename="../gui/dock.py" line="412" />
      <source>Lock the selected grids</source>
      <translation>锁定所选网格</translation>
    </message>
    <message>
      <location filename="../gui/dock.py" line="413" />
      <source>Unlock</source>
      <translation>解锁</translation>
    </message>
    <message>
      <location filename="../gui/dock.py" line="414" />
      <source>Unlock the selected grids</source>
      <translation>解锁所选网格</translation>
    </message>
    <message>
      <location filename="../gui/dock.py" line="415" />
      <source>Rebalance unlocked</source>
      <translation>重新平衡未锁定网格</translation>
    </message>
    <message>
      <location filename="../gui/dock.py" line="416" />
      <source>Re-solve every unlocked grid; locked grids stay exactly</source>
      <translation>重新划分所有未锁定的网格，锁定的网格保持不变</translation>
    </message>
    <message>
      <location filename="../gui/dock.py" line="417" />
      <source>Undo</source>
      <translation>撤销</translation>
    </message>
    <message>
      <location filename="../gui/dock.py" line="418" />
      <source>Redo</source>
      <translation>重做</translation>
    </message>
    <message>
      <location filename="../gui/dock.py" line="419" />
      <source>Save</source>
      <translation>保存</translation>
    </message>
    <message>
      <location filename="../gui/dock.py" line="420" />
      <source>Write the edits, the blocks' and buildings' grids and the scores into the plan GeoPackage</source>
      <translation>把编辑结果、街块和建筑的所属网格及评分写入方案 GeoPackage</translation>
    </message>
    <message>
      <location filename="../gui/dock.py" line="433" />
      <source>Lock all</source>
      <translation>全部锁定</translation>
    </message>
    <message>
      <location filename="../gui/dock.py" line="433" />
      <source>Lock every grid</source>
      <translation>锁定所有网格</translation>
    </message>
    <message>
      <location filename="../gui/dock.py" line="434" />
      <source>Unlock all</source>
      <translation>全部解锁</translation>
    </message>
    <message>
      <location filename="../gui/dock.py" line="435" />
      <source>Unlock every grid</source>
      <translation>解锁所有网格</translation>
    </message>
    <message>
      <location filename="../gui/dock.py" line="436" />
      <source>Next over the bound</source>
      <translation>下一个越界网格</translation>
    </message>
    <message>
      <location filename="../gui/dock.py" line="437" />
      <source>Select and zoom to the next grid over the maximum or under the minimum</source>
      <translation>选中并缩放到下一个超过上限或低于下限的网格</translation>
    </message>
    <message>
      <location filename="../gui/dock.py" line="443" />
      <source>Scenario</source>
      <translation>备选方案</translation>
    </message>
    <message>
      <location filename="../gui/dock.py" line="445" />
      <source>Scenarios kept inside the plan GeoPackage; ✓ marks the one the plan holds now</source>
      <translation>保存在方案 GeoPackage 内的备选方案；✓ 表示方案当前采用的那个</translation>
    </message>
    <message>
      <location filename="../gui/dock.py" line="448" />
      <source>Save as…</source>
      <translation>另存为…</translation>
    </message>
    <message>
      <location filename="../gui/dock.py" line="449" />
      <source>Keep the grids as they are now as a named scenario inside the plan GeoPackage</source>
      <translation>把当前网格另存为方案 GeoPackage 内的一个命名备选方案</translation>
    </message>
    <message>
      <location filename="../gui/dock.py" line="451" />
      <source>Switch</source>
      <translation>切换</translation>
    </message>
    <message>
      <location filename="../gui/dock.py" line="452" />
      <source>Make the chosen scenario the plan: every layer rebuilt from it and saved</source>
      <translation>采用所选备选方案：按其重建方案的各图层并保存</translation>
    </message>
    <message>
      <location filename="../gui/dock.py" line="454" />
      <source>Compare</source>
      <translation>比较</translation>
    </message>
    <message>
      <location filename="../gui/dock.py" line="455" />
      <source>What moved between the chosen scenario and the plan as saved; the changed grids are selected</source>
      <translation>所选备选方案与已保存方案之间的变化；变化的网格会被选中</translation>
    </message>
    <message>
      <location filename="../gui/dock.py" line="460" />
      <source>Sliver tolerance (m²)</source>
      <translation>碎片容差（㎡）</translation>
    </message>
    <message>
      <location filename="../gui/dock.py" line="461" />
      <source>Pieces smaller than this (or thinner than 0.5 m) are not counted as gaps, overlaps or extra pieces: crumbs left by editing, a vertex nudged by a centimetre</source>
      <translation>小于此面积（或窄于 0.5 米）的碎块不计为空隙、重叠或多余部分：编辑留下的碎屑、顶点移动一厘米等</translation>
    </message>
    <message>
      <location filename="../gui/dock.py" line="477" />
      <source>Cancel</source>
      <translation>取消</translation>
    </message>
    <message>
      <location filename="../gui/dock.py" line="491" />
      <source>Violations</source>
      <translation>违规</translation>
    </message>
    <message>
      <location filename="../gui/dock.py" line="494" />
      <source>Rule</source>
      <translation>规则</translation>
    </message>
    <message>
      <location filename="../gui/dock.py" line="494" />
      <source>Grids</source>
      <translation>网格</translation>
    </message>
    <message>
      <location filename="../gui/dock.py" line="494" />
      <source>Detail</source>
      <translation>详情</translation>
    </message>
    <message>
      <location filename="../gui/dock.py" line="544" />
      <source>gridkit</source>
      <translation>gridkit</translation>
    </message>
    <message>
      <location filename="../gui/dock.py" line="552" />
      <source>{what}: cancelled</source>
      <translation>{what}：已取消</translation>
    </message>
    <message>
      <location filename="../gui/dock.py" line="561" />
      <source>{what} failed: {error}</source>
      <translation>{what}失败：{error}</translation>
    </message>
    <message>
      <location filename="../gui/dock.py" line="568" />
      <source>Open a gridkit plan</source>
      <translation>打开 gridkit 方案</translation>
    </message>
    <message>
      <location filename="../gui/dock.py" line="580" />
      <source>Opening {name}…</source>
      <translation>正在打开 {name}…</translation>
    </message>
    <message>
      <location filename="../gui/dock.py" line="594" />
      <source>{path} cannot be read: it is not a GeoPackage, or it is damaged</source>
      <translation>无法读取 {path}：它不是 GeoPackage，或文件已损坏</translation>
    </message>
    <message>
      <location filename="../gui/dock.py" line="621" />
      <source>{path} has no grids layer</source>
      <translation>{path} 没有网格（grids）图层</translation>
    </message>
    <message>
      <location filename="../gui/dock.py" line="678" />
      <source>{path} is a temporary file that QGIS deletes when it quits, with every edit: run Partition again with a plan file of your own before editing.</source>
      <translation>{path} 是临时文件，QGIS 退出时会连同所有编辑一起删除：请先用“划分社区和网格”重新生成到您自己的方案文件，再进行编辑。</translation>
    </message>
    <message>
      <location filename="../gui/dock.py" line="755" />
      <source>Opening the plan</source>
      <translation>打开方案</translation>
    </message>
    <message>
      <location filename="../gui/dock.py" line="807" />
      <source>Checking the grids</source>
      <translation>检查网格</translation>
    </message>
    <message>
      <location filename="../gui/dock.py" line="846" />
      <source>yes</source>
      <translation>是</translation>
    </message>
    <message>
      <location filename="../gui/dock.py" line="857" />
      <source>{grids} grids · {households} households · max {max} per grid · {n} violation(s)</source>
      <translation>{grids} 个网格 · {households} 户 · 每格上限 {max} 户 · {n} 处违规</translation>
    </message>
    <message>
      <location filename="../gui/dock.py" line="859" />
      <source>target {target}, average {average}</source>
      <translation>目标 {target}，平均 {average}</translation>
    </message>
    <message>
      <location filename="../gui/dock.py" line="860" />
      <source>compounds unknown (plan input not found)</source>
      <translation>未知小区范围（找不到方案的输入数据）</translation>
    </message>
    <message>
      <location filename="../gui/dock.py" line="876" />
      <source>Zoom</source>
      <translation>定位</translation>
    </message>
    <message>
      <location filename="../gui/dock.py" line="885" />
      <source>Violations: none</source>
      <translation>违规：无</translation>
    </message>
    <message>
      <location filename="../gui/dock.py" line="885" />
      <source>Violations: {n}</source>
      <translation>违规：{n} 处</translation>
    </message>
    <message>
      <location filename="../gui/dock.py" line="887" />
      <source>{n} accepted exception(s)</source>
      <translation>{n} 个已认可的例外</translation>
    </message>
    <message>
      <location filename="../gui/dock.py" line="972" />
      <source>Nothing to change.</source>
      <translation>没有需要修改的内容。</translation>
    </message>
    <message>
      <location filename="../gui/dock.py" line="988" />
      <source>move {n} block(s)</source>
      <translation>移动 {n} 个街块</translation>
    </message>
    <message>
      <location filename="../gui/dock.py" line="1018" />
      <source>{code}: {before} → {after} households</source>
      <translation>{code}：{before} → {after} 户</translation>
    </message>
    <message>
      <location filename="../gui/dock.py" line="1020" />
      <source>Preview: {moves}</source>
      <translation>预览：{moves}</translation>
    </message>
    <message>
      <location filename="../gui/dock.py" line="1022" />
      <source>{n} grid(s) would be emptied</source>
      <translation>{n} 个网格将被清空</translation>
    </message>
    <message>
      <location filename="../gui/dock.py" line="1039" />
      <source>Select one grid to move the blocks into.</source>
      <translation>请选择一个要划入街块的网格。</translation>
    </message>
    <message>
      <location filename="../gui/dock.py" line="1045" />
      <source>Moving these {n} blocks empties grid(s) {codes}, which will be deleted. Move them?</source>
      <translation>移动这 {n} 个街块会清空网格 {codes}，这些网格将被删除。确定移动吗？</translation>
    </message>
    <message>
      <location filename="../gui/dock.py" line="1047" />
      <source>Nothing moved.</source>
      <translation>未移动。</translation>
    </message>
    <message>
      <location filename="../gui/dock.py" line="1060" />
      <source>merge grids</source>
      <translation>合并网格</translation>
    </message>
    <message>
      <location filename="../gui/dock.py" line="1065" />
      <source>Select exactly two grids to merge.</source>
      <translation>请正好选择两个要合并的网格。</translation>
    </message>
    <message>
      <location filename="../gui/dock.py" line="1075" />
      <source>split a grid along a line</source>
      <translation>按线拆分网格</translation>
    </message>
    <message>
      <location filename="../gui/dock.py" line="1078" />
      <source>split a grid into {n}</source>
      <translation>把网格拆为 {n} 个</translation>
    </message>
    <message>
      <location filename="../gui/dock.py" line="1083" />
      <source>Select one grid to split.</source>
      <translation>请选择一个要拆分的网格。</translation>
    </message>
    <message>
      <location filename="../gui/dock.py" line="1089" />
      <source>lock grids</source>
      <translation>锁定网格</translation>
    </message>
    <message>
      <location filename="../gui/dock.py" line="1089" />
      <source>unlock grids</source>
      <translation>解锁网格</translation>
    </message>
    <message>
      <location filename="../gui/dock.py" line="1107" />
      <source>Every grid is within its bounds.</source>
      <translation>所有网格均在上下限之内。</translation>
    </message>
    <message>
      <location filename="../gui/dock.py" line="1125" />
      <source>Select the grids to lock or unlock.</source>
      <translation>请选择要锁定或解锁的网格。</translation>
    </message>
    <message>
      <location filename="../gui/dock.py" line="1189" />
      <source>rebalance the unlocked grids</source>
      <translation>重新平衡未锁定网格</translation>
    </message>
    <message>
      <location filename="../gui/dock.py" line="1192" />
      <source>gridkit: rebalance the unlocked grids</source>
      <translation>gridkit：重新平衡未锁定网格</translation>
    </message>
    <message>
      <location filename="../gui/dock.py" line="1194" />
      <source>Rebalancing</source>
      <translation>重新平衡</translation>
    </message>
    <message>
      <location filename="../gui/dock.py" line="1251" />
      <source>save units in several pieces as separate units</source>
      <translation>将分成几块的单元拆成独立单元</translation>
    </message>
    <message>
      <location filename="../gui/dock.py" line="1256" />
      <source>Saving…</source>
      <translation>正在保存…</translation>
    </message>
    <message>
      <location filename="../gui/dock.py" line="1262" />
      <source>Saving</source>
      <translation>保存</translation>
    </message>
    <message>
      <location filename="../gui/dock.py" line="1267" />
      <source>gridkit: save the plan</source>
      <translation>gridkit：保存方案</translation>
    </message>
    <message>
      <location filename="../gui/dock.py" line="1282" />
      <source>Saving failed: {error}</source>
      <translation>保存失败：{error}</translation>
    </message>
    <message>
      <location filename="../gui/dock.py" line="1290" />
      <source>{level} {codes} in {n} pieces</source>
      <translation>{level} {codes} 分成 {n} 块</translation>
    </message>
    <message>
      <location filename="../gui/dock.py" line="1296" />
      <source>Not saved: the plan would break {failures}. {detail}. Undo the edit, or save the pieces as separate units.</source>
      <translation>未保存：方案将违反 {failures}。{detail}。请撤销该编辑，或将各块拆成独立单元后保存。</translation>
    </message>
    <message>
      <location filename="../gui/dock.py" line="1321" />
      <source>Saved; the plan breaks: {failures}</source>
      <translation>已保存；方案不满足：{failures}</translation>
    </message>
    <message>
      <location filename="../gui/dock.py" line="1324" />
      <source>Saved; the plan is valid, but {n} rule(s) are still broken (listed under Violations).</source>
      <translation>已保存；方案有效，但仍有 {n} 处违反规则（见“违规”列表）。</translation>
    </message>
    <message>
      <location filename="../gui/dock.py" line="1328" />
      <source>Saved; the plan is valid.</source>
      <translation>已保存；方案有效。</translation>
    </message>
    <message>
      <location filename="../gui/dock.py" line="1333" />
      <source>gridkit: write and validate the plan</source>
      <translation>gridkit：写入并验证方案</translation>
    </message>
    <message>
      <location filename="../gui/dock.py" line="1350" />
      <source>Reading the scenarios</source>
      <translation>读取备选方案</translation>
    </message>
    <message>
      <location filename="../gui/dock.py" line="1355" />
      <source>saved {saved} · {grids} grids · {households} households</source>
      <translation>保存于 {saved} · {grids} 个网格 · {households} 户</translation>
    </message>
    <message>
      <location filename="../gui/dock.py" line="1370" />
      <source>Save as a scenario</source>
      <translation>另存为备选方案</translation>
    </message>
    <message>
      <location filename="../gui/dock.py" line="1370" />
      <source>Scenario name</source>
      <translation>备选方案名称</translation>
    </message>
    <message>
      <location filename="../gui/dock.py" line="1392" />
      <source>Saving the scenario</source>
      <translation>保存备选方案</translation>
    </message>
    <message>
      <location filename="../gui/dock.py" line="1395" />
      <source>Scenario {name} exists. Replace it?</source>
      <translation>备选方案 {name} 已存在，是否替换？</translation>
    </message>
    <message>
      <location filename="../gui/dock.py" line="1397" />
      <source>Scenario not saved.</source>
      <translation>备选方案未保存。</translation>
    </message>
    <message>
      <location filename="../gui/dock.py" line="1402" />
      <source>Saving the scenario failed: {error}</source>
      <translation>保存备选方案失败：{error}</translation>
    </message>
    <message>
      <location filename="../gui/dock.py" line="1404" />
      <source>Saved scenario {name}.</source>
      <translation>已保存备选方案 {name}。</translation>
    </message>
    <message>
      <location filename="../gui/dock.py" line="1418" />
      <source>The grid layer has unsaved edits; switching to scenario {name} replaces them. Switch?</source>
      <translation>网格图层有未保存的编辑；切换到备选方案 {name} 会替换这些编辑。是否切换？</translation>
    </message>
    <message>
      <location filename="../gui/dock.py" line="1423" />
      <source>Switching to scenario {name}…</source>
      <translation>正在切换到备选方案 {name}…</translation>
    </message>
    <message>
      <location filename="../gui/dock.py" line="1430" />
      <source>Switching</source>
      <translation>切换方案</translation>
    </message>
    <message>
      <location filename="../gui/dock.py" line="1433" />
      <source>switch to scenario {name}</source>
      <translation>切换到备选方案 {name}</translation>
    </message>
    <message>
      <location filename="../gui/dock.py" line="1434" />
      <source>Now scenario {name}.</source>
      <translation>当前为备选方案 {name}。</translation>
    </message>
    <message>
      <location filename="../gui/dock.py" line="1436" />
      <source>gridkit: switch to a scenario</source>
      <translation>gridkit：切换备选方案</translation>
    </message>
    <message>
      <location filename="../gui/dock.py" line="1454" />
      <source>Comparing</source>
      <translation>比较</translation>
    </message>
    <message>
      <location filename="../gui/dock.py" line="1462" />
      <source>Scenario {name} → the plan as saved: {grids} grid(s) changed, {blocks} block(s) moved ({households} households).</source>
      <translation>备选方案 {name} → 已保存方案：{grids} 个网格变化，{blocks} 个街块移动（{households} 户）。</translation>
    </message>
    <message>
      <location filename="../gui/gridtable.py" line="32" />
      <source>Grid</source>
      <translation>网格</translation>
    </message>
    <message>
      <location filename="../gui/gridtable.py" line="32" />
      <source>Name</source>
      <translation>名称</translation>
    </message>
    <message>
      <location filename="../gui/gridtable.py" line="32" />
      <source>Households</source>
      <translation>户数</translation>
    </message>
    <message>
      <location filename="../gui/gridtable.py" line="32" />
      <source>Buildings</source>
      <translation>建筑数</translation>
    </message>
    <message>
      <location filename="../gui/gridtable.py" line="32" />
      <source>Area (m²)</source>
      <translation>面积（㎡）</translation>
    </message>
    <message>
      <location filename="../gui/gridtable.py" line="32" />
      <source>Grid managers</source>
      <translation>网格员</translation>
    </message>
    <message>
      <location filename="../gui/gridtable.py" line="33" />
      <source>Harmony promoters</source>
      <translation>和谐促进员</translation>
    </message>
    <message>
      <location filename="../gui/gridtable.py" line="33" />
      <source>Locked</source>
      <translation>锁定</translation>
    </message>
    <message>
      <location filename="../gui/overlay.py" line="44" />
      <source>{n} block(s) into grid {code}</source>
      <translation>{n} 个街块移入网格 {code}</translation>
    </message>
    <message>
      <location filename="../gui/overlay.py" line="51" />
      <source>{role} {grid}: {before} → {after} households</source>
      <translation>{role} {grid}：{before} → {after} 户</translation>
    </message>
    <message>
      <location filename="../gui/overlay.py" line="54" />
      <source>(emptied: deleted)</source>
      <translation>（被移空：将删除）</translation>
    </message>
    <message>
      <location filename="../gui/overlay.py" line="56" />
      <source>(over the maximum)</source>
      <translation>（超过上限）</translation>
    </message>
    <message>
      <location filename="../gui/overlay.py" line="58" />
      <source>(under the minimum)</source>
      <translation>（低于下限）</translation>
    </message>
    <message>
      <location filename="../gui/planio.py" line="116" />
      <source>{layer}: cannot be exported for gridkit: {error}</source>
      <translation>图层“{layer}”无法导出给 gridkit：{error}</translation>
    </message>
    <message>
      <location filename="../gui/planio.py" line="303" />
      <source>{source}: cannot write: {errors}</source>
      <translation>{source}：无法写入：{errors}</translation>
    </message>
    <message>
      <location filename="../gui/planio.py" line="309" />
      <source>QGIS gave no reason</source>
      <translation>QGIS 未给出原因</translation>
    </message>
    <message>
      <location filename="../gui/planio.py" line="338" />
      <source>{source}: cannot delete rows: {errors}</source>
      <translation>{source}：无法删除行：{errors}</translation>
    </message>
    <message>
      <location filename="../gui/planio.py" line="374" />
      <source>{path}: cannot write the {name} layer: {error}</source>
      <translation>{path}：无法写入图层“{name}”：{error}</translation>
    </message>
    <message>
      <location filename="../gui/styles.py" line="204" />
      <source>gridkit plan style</source>
      <translation>gridkit 方案样式</translation>
    </message>
    <message>
      <location filename="../i18n/__init__.py" line="117" />
      <source>grid {code} is locked; unlock it first</source>
      <translation>网格 {code} 已锁定，请先解锁</translation>
    </message>
    <message>
      <location filename="../i18n/__init__.py" line="118" />
      <source>grid feature {fid} is not in the layer</source>
      <translation>图层中没有网格要素 {fid}</translation>
    </message>
    <message>
      <location filename="../i18n/__init__.py" line="119" />
      <source>block {block} is not in this plan</source>
      <translation>本方案中没有街块 {block}</translation>
    </message>
    <message>
      <location filename="../i18n/__init__.py" line="120" />
      <source>pick two different grids to merge</source>
      <translation>请选择两个不同的网格进行合并</translation>
    </message>
    <message>
      <location filename="../i18n/__init__.py" line="122" />
      <source>the move would leave grid {code} in {n} pieces</source>
      <translation>移动后网格 {code} 将分成 {n} 块</translation>
    </message>
    <message>
      <location filename="../i18n/__init__.py" line="124" />
      <source>the line does not cross grid {code} from edge to edge</source>
      <translation>该线未从一边到另一边穿过网格 {code}</translation>
    </message>
    <message>
      <location filename="../i18n/__init__.py" line="126" />
      <source>the grid would not be divided: no block on the other side</source>
      <translation>网格不会被分开：另一侧没有街块</translation>
    </message>
    <message>
      <location filename="../i18n/__init__.py" line="127" />
      <source>draw a line of at least two points</source>
      <translation>请画至少两个点的线</translation>
    </message>
    <message>
      <location filename="../i18n/__init__.py" line="128" />
      <source>split into at least 2 grids</source>
      <translation>至少拆分为 2 个网格</translation>
    </message>
    <message>
      <location filename="../i18n/__init__.py" line="130" />
      <source>grid {code} cannot be split into {n}: it has only {k} block(s)</source>
      <translation>网格 {code} 无法拆分为 {n} 个：只有 {k} 个街块</translation>
    </message>
    <message>
      <location filename="../i18n/__init__.py" line="132" />
      <source>grid {code} cannot be split into {n}: {reason}; {k} is possible</source>
      <translation>网格 {code} 无法拆分为 {n} 个：{reason}；可拆分为 {k} 个</translation>
    </message>
    <message>
      <location filename="../i18n/__init__.py" line="134" />
      <source>grid {code} cannot be split into {n}: {reason}</source>
      <translation>网格 {code} 无法拆分为 {n} 个：{reason}</translation>
    </message>
    <message>
      <location filename="../i18n/__init__.py" line="135" />
      <source>only {k} blocks (compounds kept whole)</source>
      <translation>只有 {k} 个街块（小区保持完整）</translation>
    </message>
    <message>
      <location filename="../i18n/__init__.py" line="137" />
      <source>a compound or block of {h} households is kept whole (each of {n} parts holds about {t})</source>
      <translation>一个 {h} 户的小区或街块保持完整（{n} 个部分每个约 {t} 户）</translation>
    </message>
    <message>
      <location filename="../i18n/__init__.py" line="139" />
      <source>its blocks lie in {k} pieces that no street links (a barrier between them)</source>
      <translation>其街块分成 {k} 块，没有道路相连（中间有障碍）</translation>
    </message>
    <message>
      <location filename="../i18n/__init__.py" line="141" />
      <source>the streets do not allow {n} connected parts of at most {hi} households</source>
      <translation>道路不允许分成 {n} 个每个不超过 {hi} 户的连通部分</translation>
    </message>
    <message>
      <location filename="../i18n/__init__.py" line="142" />
      <source>the streets allow only {k} connected parts</source>
      <translation>道路只允许分成 {k} 个连通部分</translation>
    </message>
    <message>
      <location filename="../i18n/__init__.py" line="143" />
      <source>every grid is locked: nothing to rebalance</source>
      <translation>所有网格均已锁定：无可重新平衡</translation>
    </message>
    <message>
      <location filename="../i18n/__init__.py" line="144" />
      <source>the grid layer is empty</source>
      <translation>网格图层为空</translation>
    </message>
    <message>
      <location filename="../i18n/__init__.py" line="145" />
      <source>the editing session has ended; open the plan again</source>
      <translation>编辑会话已结束，请重新打开方案</translation>
    </message>
    <message>
      <location filename="../i18n/__init__.py" line="146" />
      <source>{path}: no such plan file</source>
      <translation>{path}：没有此方案文件</translation>
    </message>
    <message>
      <location filename="../i18n/__init__.py" line="147" />
      <source>scenario name is empty; give the scenario a name</source>
      <translation>备选方案名称为空；请为备选方案命名</translation>
    </message>
    <message>
      <location filename="../i18n/__init__.py" line="149" />
      <source>scenario name {name}: '#' is not allowed (it separates the name in PLAN.gpkg#NAME)</source>
      <translation>备选方案名称 {name}：不能含 '#'（它在 PLAN.gpkg#NAME 中分隔名称）</translation>
    </message>
    <message>
      <location filename="../i18n/__init__.py" line="151" />
      <source>scenario name {name}: control characters are not allowed</source>
      <translation>备选方案名称 {name}：不能含控制字符</translation>
    </message>
    <message>
      <location filename="../i18n/__init__.py" line="153" />
      <source>scenario name {name}: {n} characters, at most {k}</source>
      <translation>备选方案名称 {name}：{n} 个字符，最多 {k} 个</translation>
    </message>
    <message>
      <location filename="../i18n/__init__.py" line="155" />
      <source>{path}: no scenario {name}; its scenarios: {names}</source>
      <translation>{path}：没有备选方案 {name}；现有备选方案：{names}</translation>
    </message>
    <message>
      <location filename="../i18n/__init__.py" line="157" />
      <source>{path}: no scenario {name}; it has none (save one first)</source>
      <translation>{path}：没有备选方案 {name}；尚无任何备选方案（请先保存一个）</translation>
    </message>
    <message>
      <location filename="../i18n/__init__.py" line="159" />
      <source>scenario {name}: the plan breaks {failures}; it is not saved as a scenario</source>
      <translation>备选方案 {name}：方案会违反 {failures}，未保存为备选方案</translation>
    </message>
    <message>
      <location filename="../i18n/__init__.py" line="176" />
      <source>the area covers {km2} km², more than a street office ({max} km², office.max_area_km2 of profile '{profile}'): check its extent (a whole district or region?), or give a profile whose office.max_area_km2 fits the office</source>
      <translation>区域面积 {km2} 平方千米，超过一个街道（{max} 平方千米，规则配置“{profile}”的 office.max_area_km2）：请检查其范围（是否是整个区县或地区？），或使用 office.max_area_km2 适合该街道的规则配置</translation>
    </message>
    <message>
      <location filename="../i18n/__init__.py" line="181" />
      <source>{n} of the boundary's {m} features hold no building{names}: each is still part of the area, grids nobody lives in; if one is another office's, leave it out of the boundary layer</source>
      <translation>边界图层的 {m} 个要素中有 {n} 个内没有任何建筑{names}：它们仍是区域的一部分，成为无人居住的网格；若其中有别的街道的边界，请从边界图层中删去</translation>
    </message>
    <message>
      <location filename="../i18n/__init__.py" line="185" />
      <source>{where}: is locked by another program writing to it; close it there, or let it finish saving, then try again</source>
      <translation>{where}：另一个程序正在写入并锁定了它；请在那里关闭它，或等它保存完毕，然后再试一次</translation>
    </message>
    <message>
      <location filename="../i18n/__init__.py" line="189" />
      <source>{where}: none of its {n} rows matches a building of the area: {said}. Is it this area's register, keyed as its buildings are? Another key column can be named</source>
      <translation>{where}：其 {n} 行没有一行对应区域内的建筑：{said}。这是本区域的住户登记表吗？其关键列与建筑的编号方式一致吗？可以另行指定关键列</translation>
    </message>
    <message>
      <location filename="../i18n/__init__.py" line="192" />
      <source>{where}: no such file or folder</source>
      <translation>{where}：文件或文件夹不存在</translation>
    </message>
    <message>
      <location filename="../i18n/__init__.py" line="194" />
      <source>{where}: has no 'buildings' layer (the layers gridkit reads are boundary, roads, buildings, barriers …)</source>
      <translation>{where}：没有“buildings”（建筑）图层（gridkit 读取的图层为 boundary、roads、buildings、barriers 等）</translation>
    </message>
    <message>
      <location filename="../i18n/__init__.py" line="195" />
      <source>{where}: has no features with a geometry</source>
      <translation>{where}：没有带几何的要素</translation>
    </message>
    <message>
      <location filename="../i18n/__init__.py" line="198" />
      <source>{where}: no building lies inside the boundary ({inside}); the nearest is {km} km from it: are both layers' CRS right?</source>
      <translation>{where}：边界（{inside}）内没有建筑；最近的建筑距边界 {km} 千米：两个图层的坐标参考系是否正确？</translation>
    </message>
    <message>
      <location filename="../i18n/__init__.py" line="201" />
      <source>{where}: no building lies inside the boundary ({inside})</source>
      <translation>{where}：边界（{inside}）内没有建筑</translation>
    </message>
    <message>
      <location filename="../i18n/__init__.py" line="203" />
      <source>{where}: has no coordinate reference system (CRS); set one, e.g. EPSG:4326</source>
      <translation>{where}：没有坐标参考系（CRS）；请设置一个，例如 EPSG:4326</translation>
    </message>
    <message>
      <location filename="../i18n/__init__.py" line="205" />
      <source>{where}: coordinates look like degrees but the CRS is projected; the CRS is probably wrong</source>
      <translation>{where}：坐标看起来是经纬度，但坐标参考系是投影坐标系；坐标参考系可能有误</translation>
    </message>
    <message>
      <location filename="../i18n/__init__.py" line="207" />
      <source>{where}: coordinates look like metres but the CRS is longitude/latitude; the CRS is probably wrong</source>
      <translation>{where}：坐标看起来是米，但坐标参考系是经纬度；坐标参考系可能有误</translation>
    </message>
    <message>
      <location filename="../i18n/__init__.py" line="211" />
      <source>{where}: coordinates ({x}, {y}) are no place on Earth in the CRS '{crs}'; the CRS is probably wrong (an easting of 8 digits has its zone's number in front, zone {zone}: give the CRS of that zone{fits})</source>
      <translation>{where}：坐标 ({x}, {y}) 在坐标参考系“{crs}”中不对应地球上任何地点；坐标参考系可能有误（8 位东坐标的前两位是带号，第 {zone} 带：请改用该带的坐标参考系{fits}）</translation>
    </message>
    <message>
      <location filename="../i18n/__init__.py" line="216" />
      <source>{where}: coordinates ({x}, {y}) are no place on Earth in the CRS '{crs}'; the CRS is probably wrong (the CRS expects its zone's number in front of the easting and these eastings have none: give the CRS of the zone's central meridian{fits})</source>
      <translation>{where}：坐标 ({x}, {y}) 在坐标参考系“{crs}”中不对应地球上任何地点；坐标参考系可能有误（该坐标参考系的东坐标前要加带号，而这些东坐标没有：请改用以该带中央经线命名的坐标参考系{fits}）</translation>
    </message>
    <message>
      <location filename="../i18n/__init__.py" line="221" />
      <source>{where}: coordinates ({x}, {y}) are no place on Earth in the CRS '{crs}'; the CRS is probably wrong</source>
      <translation>{where}：坐标 ({x}, {y}) 在坐标参考系“{crs}”中不对应地球上任何地点；坐标参考系可能有误</translation>
    </message>
    <message>
      <location filename="../i18n/__init__.py" line="226" />
      <source>{where}: coordinates ({x}, {y}) lie at {place} in the CRS '{crs}', far outside the area it is made for ({use}); the CRS is probably wrong; read as Web Mercator metres (EPSG:3857, as web maps store them) they lie at {mercator}, inside it: give the layer EPSG:3857</source>
      <translation>{where}：坐标 ({x}, {y}) 在坐标参考系“{crs}”中位于 {place}，远在该坐标参考系的适用范围（{use}）之外；坐标参考系可能有误；按 Web 墨卡托米制坐标（EPSG:3857，网络地图的存储方式）读取，它们位于 {mercator}，正在该范围内：请把图层的坐标参考系设为 EPSG:3857</translation>
    </message>
    <message>
      <location filename="../i18n/__init__.py" line="231" />
      <source>{where}: coordinates ({x}, {y}) lie at {place} in the CRS '{crs}', far outside the area it is made for ({use}); the CRS is probably wrong</source>
      <translation>{where}：坐标 ({x}, {y}) 在坐标参考系“{crs}”中位于 {place}，远在该坐标参考系的适用范围（{use}）之外；坐标参考系可能有误</translation>
    </message>
    <message>
      <location filename="../i18n/__init__.py" line="235" />
      <source>{where}: none of its {n} features reaches the area; the nearest is {km} km from it, further than the area is wide ({width} km): are both layers' CRS right?</source>
      <translation>{where}：{n} 个要素都不在区域内；最近的距区域 {km} 公里，比区域本身的宽度（{width} 公里）还远：两个图层的坐标参考系都正确吗？</translation>
    </message>
    <message>
      <location filename="../i18n/__init__.py" line="237" />
      <source>{where}: cannot be unpacked: {why}</source>
      <translation>{where}：无法解压：{why}</translation>
    </message>
    <message>
      <location filename="../i18n/__init__.py" line="239" />
      <source>{where}: cannot be opened as a vector data source: {why}</source>
      <translation>{where}：无法作为矢量数据源打开：{why}</translation>
    </message>
    <message>
      <location filename="../i18n/__init__.py" line="240" />
      <source>{where}: cannot be opened as a GeoPackage: {why}</source>
      <translation>{where}：无法作为 GeoPackage 打开：{why}</translation>
    </message>
    <message>
      <location filename="../i18n/__init__.py" line="241" />
      <source>{where}: cannot be read: {why}</source>
      <translation>{where}：无法读取：{why}</translation>
    </message>
    <message>
      <location filename="../i18n/__init__.py" line="243" />
      <source>{where}: has no geometry column (a table, not a map layer)</source>
      <translation>{where}：没有几何列（是表格，不是地图图层）</translation>
    </message>
    <message>
      <location filename="../i18n/__init__.py" line="245" />
      <source>{where}: not a gridkit plan: layer '{layer}' is missing</source>
      <translation>{where}：不是 gridkit 方案：缺少图层“{layer}”</translation>
    </message>
    <message>
      <location filename="../i18n/__init__.py" line="246" />
      <source>{where}: not a gridkit plan: no column {columns}</source>
      <translation>{where}：不是 gridkit 方案：缺少字段 {columns}</translation>
    </message>
    <message>
      <location filename="../i18n/__init__.py" line="247" />
      <source>{where}: has no polygon with an area</source>
      <translation>{where}：没有有面积的多边形</translation>
    </message>
    <message>
      <location filename="../i18n/__init__.py" line="249" />
      <source>{where}: is a folder, not a file</source>
      <translation>{where}：是文件夹，不是文件</translation>
    </message>
    <message>
      <location filename="../i18n/__init__.py" line="250" />
      <source>{where}: output must end in {suffixes}</source>
      <translation>{where}：输出文件的扩展名必须是 {suffixes}</translation>
    </message>
    <message>
      <location filename="../i18n/__init__.py" line="252" />
      <source>{where}: the folder {folder} does not exist; create it first</source>
      <translation>{where}：文件夹 {folder} 不存在；请先创建</translation>
    </message>
    <message>
      <location filename="../i18n/__init__.py" line="254" />
      <source>{where}: is also an input ({given}); write the output to another file</source>
      <translation>{where}：也是输入（{given}）；请写入另一个文件</translation>
    </message>
    <message>
      <location filename="../i18n/__init__.py" line="255" />
      <source>{where}: cannot be written: the disk is full</source>
      <translation>{where}：无法写入：磁盘已满</translation>
    </message>
    <message>
      <location filename="../i18n/__init__.py" line="256" />
      <source>{where}: cannot be written: {why}</source>
      <translation>{where}：无法写入：{why}</translation>
    </message>
    <message>
      <location filename="../i18n/__init__.py" line="259" />
      <source>{where}: is open for writing in another program ({file} beside it, e.g. QGIS editing it); close it there first, or make the change in gridkit's dock in QGIS</source>
      <translation>{where}：正被另一个程序写入（旁边有 {file}，例如 QGIS 正在编辑它）；请先在那里关闭，或在 QGIS 的 gridkit 面板中修改</translation>
    </message>
    <message>
      <location filename="../i18n/__init__.py" line="262" />
      <source>{where}: cannot write in the folder {folder}: {why}</source>
      <translation>{where}：无法写入文件夹 {folder}：{why}</translation>
    </message>
    <message>
      <location filename="../i18n/__init__.py" line="264" />
      <source>{where}: exists and is not {what}, so it is not replaced; write the output to another file</source>
      <translation>{where}：已存在且不是{what}，因此不会被替换；请输出到另一个文件</translation>
    </message>
    <message>
      <location filename="../i18n/__init__.py" line="267" />
      <source>{where}: has no features (all deleted?); make the plan again with Partition, or switch to a saved scenario</source>
      <translation>{where}：没有任何要素（全部被删除？）；请用“划分社区和网格”重新生成方案，或切换到已保存的备选方案</translation>
    </message>
    <message>
      <location filename="../i18n/__init__.py" line="269" />
      <source>{where}: not a gridkit plan: no geometry column</source>
      <translation>{where}：不是 gridkit 方案：没有几何列</translation>
    </message>
    <message>
      <location filename="../i18n/__init__.py" line="271" />
      <source>{where}: feature(s) {features} have no geometry; draw them again or delete them</source>
      <translation>{where}：要素 {features} 没有几何图形；请重新绘制或删除</translation>
    </message>
    <message>
      <location filename="../i18n/__init__.py" line="273" />
      <source>{where}: feature(s) {features}: coordinates are not finite numbers (NaN or inf)</source>
      <translation>{where}：要素 {features}：坐标不是有限数值（NaN 或 inf）</translation>
    </message>
    <message>
      <location filename="../i18n/__init__.py" line="274" />
      <source>{where}: coordinates are not finite numbers</source>
      <translation>{where}：坐标不是有限数值</translation>
    </message>
    <message>
      <location filename="../i18n/__init__.py" line="276" />
      <source>{where}: latitude {lo}..{hi} is outside -90..90: the coordinates are not longitude/latitude, or longitude and latitude are swapped</source>
      <translation>{where}：纬度 {lo}..{hi} 超出 -90..90：坐标不是经纬度，或经度与纬度颠倒了</translation>
    </message>
    <message>
      <location filename="../i18n/__init__.py" line="279" />
      <source>{where}: longitude {lo}..{hi} is outside -180..180</source>
      <translation>{where}：经度 {lo}..{hi} 超出 -180..180</translation>
    </message>
    <message>
      <location filename="../i18n/__init__.py" line="281" />
      <source>{where}: GCJ-02 correction needs longitude/latitude input, but the CRS is projected</source>
      <translation>{where}：GCJ-02 纠偏需要经纬度输入，但坐标参考系是投影坐标系</translation>
    </message>
    <message>
      <location filename="../i18n/__init__.py" line="283" />
      <source>{where}: has no building footprint larger than {m2} m² (cleaning.min_footprint_m2)</source>
      <translation>{where}：没有面积大于 {m2} m² 的建筑轮廓（cleaning.min_footprint_m2）</translation>
    </message>
    <message>
      <location filename="../i18n/__init__.py" line="285" />
      <source>{where}: has no polygons (its features are {types}); buildings must be footprints</source>
      <translation>{where}：没有面要素（其要素为 {types}）；建筑必须是轮廓面</translation>
    </message>
    <message>
      <location filename="../i18n/__init__.py" line="288" />
      <source>{where}: no building lies inside the boundary ({inside}); none has {share} of its footprint inside (cleaning.inside_share)</source>
      <translation>{where}：边界（{inside}）内没有建筑；没有一栋建筑有 {share} 的轮廓位于边界内（cleaning.inside_share）</translation>
    </message>
    <message>
      <location filename="../i18n/__init__.py" line="291" />
      <source>{where}: the Shapefile's {missing} file is missing; a Shapefile is its .shp, .shx and .dbf files (and .prj, .cpg) together: copy them all</source>
      <translation>{where}：缺少 Shapefile 的 {missing} 文件；一个 Shapefile 由 .shp、.shx 和 .dbf（以及 .prj、.cpg）共同组成：请全部复制</translation>
    </message>
    <message>
      <location filename="../i18n/__init__.py" line="294" />
      <source>{where}: has two files for layer '{layer}' ({found}); keep one</source>
      <translation>{where}：图层“{layer}”有两个文件（{found}）；请只保留一个</translation>
    </message>
    <message>
      <location filename="../i18n/__init__.py" line="297" />
      <source>{where}: is an OpenDocument spreadsheet (.ods); save it as .xlsx (or .csv) in LibreOffice or WPS and give that</source>
      <translation>{where}：是 OpenDocument 表格（.ods）；请在 LibreOffice 或 WPS 中另存为 .xlsx（或 .csv）后再选择</translation>
    </message>
    <message>
      <location filename="../i18n/__init__.py" line="299" />
      <source>{where}: a {what} must be a {suffixes} file</source>
      <translation>{where}：{what}必须是 {suffixes} 文件</translation>
    </message>
    <message>
      <location filename="../i18n/__init__.py" line="303" />
      <source>{where}: the {what} needs a header row (within its first {n} rows) with the columns {wanted}; hidden sheets are not read: {hidden}</source>
      <translation>{where}：{what}需要一行表头（在前 {n} 行内），包含列 {wanted}；隐藏的工作表不会读取：{hidden}（数据若在其中，请在 Excel 或 WPS 中取消隐藏）</translation>
    </message>
    <message>
      <location filename="../i18n/__init__.py" line="308" />
      <source>{where}: the {what} needs a header row (within its first {n} rows) with the columns {wanted}; the closest has: {seen}</source>
      <translation>{where}：{what}需要一行表头（在前 {n} 行内），包含列 {wanted}；最接近的一行是：{seen}</translation>
    </message>
    <message>
      <location filename="../i18n/__init__.py" line="311" />
      <source>{where}: cannot read the {what}: the text is none of UTF-8, UTF-16, GBK/GB18030 or Big5; save it as UTF-8</source>
      <translation>{where}：无法读取{what}：文本编码不是 UTF-8、UTF-16、GBK/GB18030 或 Big5；请另存为 UTF-8</translation>
    </message>
    <message>
      <location filename="../i18n/__init__.py" line="315" />
      <source>{where}: cannot read the {what}: it starts as {encoding} but is not (byte {offset} cannot be read); save it as UTF-8 again</source>
      <translation>{where}：无法读取{what}：文件开头标明为 {encoding}，内容却不是（第 {offset} 字节无法解码）；请重新另存为 UTF-8</translation>
    </message>
    <message>
      <location filename="../i18n/__init__.py" line="318" />
      <source>{where}: cannot read the {what}: the file is damaged, or is not really an {kind} workbook; open it in Excel or WPS and save it again as .xlsx (if they cannot open it either, copy it again from its source)</source>
      <translation>{where}：无法读取{what}：文件已损坏，或并非真正的 {kind} 工作簿；请在 Excel 或 WPS 中打开并另存为 .xlsx（若也无法打开，请从来源重新复制）</translation>
    </message>
    <message>
      <location filename="../i18n/__init__.py" line="321" />
      <source>{where}: cannot read the {what}: {why}</source>
      <translation>{where}：无法读取{what}：{why}</translation>
    </message>
    <message>
      <location filename="../i18n/__init__.py" line="323" />
      <source>{where}: a legacy .xls {what} cannot be read here; save it as .xlsx in Excel or WPS</source>
      <translation>{where}：这里无法读取旧版 .xls {what}；请在 Excel 或 WPS 中另存为 .xlsx</translation>
    </message>
    <message>
      <location filename="../i18n/__init__.py" line="325" />
      <source>{where}: is protected by a password; open it in Excel, remove the password (File &gt; Info &gt; Protect Workbook &gt; Encrypt with Password) and save it again</source>
      <translation>{where}：受密码保护；请在 Excel 中打开，去掉密码（文件 &gt; 信息 &gt; 保护工作簿 &gt; 用密码进行加密）后重新保存</translation>
    </message>
    <message>
      <location filename="../i18n/__init__.py" line="328" />
      <source>{where}: the register needs a column naming the building (楼栋编号) or its address (地址)</source>
      <translation>{where}：住户登记表需要一列楼栋编号或地址</translation>
    </message>
    <message>
      <location filename="../i18n/__init__.py" line="329" />
      <source>{where}: the register needs a households column (户数)</source>
      <translation>{where}：住户登记表需要一列户数</translation>
    </message>
    <message>
      <location filename="../i18n/__init__.py" line="331" />
      <source>{where}: the register has no row with a households figure</source>
      <translation>{where}：住户登记表中没有一行填有户数</translation>
    </message>
    <message>
      <location filename="../i18n/__init__.py" line="333" />
      <source>{where}: the register gives households per compound and no column names a building (楼栋号, 楼栋编号 or 地址): it needs a row per building or per household</source>
      <translation>{where}：住户登记表按小区给出户数，且没有标明楼栋的列（楼栋号、楼栋编号或地址）：需要每栋楼或每户一行</translation>
    </message>
    <message>
      <location filename="../i18n/__init__.py" line="336" />
      <source>{where}: {rows}: building ids {ids} lost digits to scientific notation (Excel shows a long number so); in Excel, format the id column as Text, enter the ids again and save</source>
      <translation>{where}：{rows}：楼栋编号 {ids} 因科学计数法丢失了数字（Excel 这样显示长数字）；请在 Excel 中把编号列设为“文本”格式，重新输入编号后保存</translation>
    </message>
    <message>
      <location filename="../i18n/__init__.py" line="340" />
      <source>{where}: {rows}, columns {a} and {b} are both headed '{head}': which one holds the {key}? Delete or rename the other</source>
      <translation>{where}：{rows}，第 {a} 列和第 {b} 列的表头都是“{head}”：哪一列是{key}？请删除另一列或给它改名</translation>
    </message>
    <message>
      <location filename="../i18n/__init__.py" line="344" />
      <source>{where}: columns {a} and {b} are both headed '{head}': which one holds the {key}? Delete or rename the other</source>
      <translation>{where}：第 {a} 列和第 {b} 列的表头都是“{head}”：哪一列是{key}？请删除另一列或给它改名</translation>
    </message>
    <message>
      <location filename="../i18n/__init__.py" line="349" />
      <source>{where}: {rows}: {column} {values} must be a whole number &gt;= 0; {formula} is a formula whose value the workbook does not store: open it in Excel or WPS and save it</source>
      <translation>{where}：{rows}：{column} 的值 {values} 必须是大于等于 0 的整数；{formula} 是公式，工作簿中没有保存它的计算结果：请用 Excel 或 WPS 打开并保存一次</translation>
    </message>
    <message>
      <location filename="../i18n/__init__.py" line="353" />
      <source>{where}: {rows}: {column} {values} must be a whole number &gt;= 0; {exact}: write the exact count</source>
      <translation>{where}：{rows}：{column} 的值 {values} 必须是大于等于 0 的整数；{exact}：请填写确切的数</translation>
    </message>
    <message>
      <location filename="../i18n/__init__.py" line="356" />
      <source>{where}: {rows}: {column} {values} must be a whole number &gt;= 0</source>
      <translation>{where}：{rows}：{column} 的值 {values} 必须是大于等于 0 的整数</translation>
    </message>
    <message>
      <location filename="../i18n/__init__.py" line="358" />
      <source>{where}, row {row}: grid code '{code}' is not a grid of this plan</source>
      <translation>{where}，第 {row} 行：网格编码“{code}”不是本方案的网格</translation>
    </message>
    <message>
      <location filename="../i18n/__init__.py" line="359" />
      <source>{where}: the grid code is empty</source>
      <translation>{where}：网格编码为空</translation>
    </message>
    <message>
      <location filename="../i18n/__init__.py" line="360" />
      <source>{where}: the name is empty (grid {code})</source>
      <translation>{where}：姓名为空（网格 {code}）</translation>
    </message>
    <message>
      <location filename="../i18n/__init__.py" line="363" />
      <source>{where}: not a plan: it has no grids, communities, groups or existing layer</source>
      <translation>{where}：不是方案：没有 grids、communities、groups 或 existing 图层</translation>
    </message>
    <message>
      <location filename="../i18n/__init__.py" line="365" />
      <source>{where}: needs a 'level' column (community, group, grid or compound)</source>
      <translation>{where}：需要“level”列（community、group、grid 或 compound）</translation>
    </message>
    <message>
      <location filename="../i18n/__init__.py" line="367" />
      <source>{where}: feature {feature} has level {level}; use community, group, grid or compound</source>
      <translation>{where}：要素 {feature} 的 level 为 {level}；请使用 community、group、grid 或 compound</translation>
    </message>
    <message>
      <location filename="../i18n/__init__.py" line="368" />
      <source>{where}: cannot be opened: {why}</source>
      <translation>{where}：无法打开：{why}</translation>
    </message>
    <message>
      <location filename="../i18n/__init__.py" line="369" />
      <source>{where}: has no polygon; choose a layer of grid polygons</source>
      <translation>{where}：没有面要素；请选择网格面图层</translation>
    </message>
    <message>
      <location filename="../i18n/__init__.py" line="372" />
      <source>{where}: column {column}: code {code} is used by features {features}; a code names one grid</source>
      <translation>{where}：列 {column}：编码 {code} 被要素 {features} 同时使用；一个编码只能对应一个网格</translation>
    </message>
    <message>
      <location filename="../i18n/__init__.py" line="374" />
      <source>{where}: column {column}: feature(s) {features}: not a count of households</source>
      <translation>{where}：列 {column}：要素 {features}：不是户数</translation>
    </message>
    <message>
      <location filename="../i18n/__init__.py" line="376" />
      <source>{where}: has no column {column} for the {key} (its columns: {columns})</source>
      <translation>{where}：没有用于 {key} 的列 {column}（现有列：{columns}）</translation>
    </message>
    <message>
      <location filename="../i18n/__init__.py" line="378" />
      <source>{where}: has several layers ({names}); say which holds the grids</source>
      <translation>{where}：有多个图层（{names}）；请指明哪个是网格图层</translation>
    </message>
    <message>
      <location filename="../i18n/__init__.py" line="380" />
      <source>{where}: cannot connect to the database: {why}</source>
      <translation>{where}：无法连接数据库：{why}</translation>
    </message>
    <message>
      <location filename="../i18n/__init__.py" line="381" />
      <source>{where}: not a PostgreSQL URL: {why}</source>
      <translation>{where}：不是 PostgreSQL 连接地址：{why}</translation>
    </message>
    <message>
      <location filename="../i18n/__init__.py" line="383" />
      <source>PostGIS needs the 'postgis' extra (pip install 'gridkit[postgis]'): {why}</source>
      <translation>读写 PostGIS 需要 gridkit 的 postgis 附加组件（pip install 'gridkit[postgis]'）：{why}</translation>
    </message>
    <message>
      <location filename="../i18n/__init__.py" line="385" />
      <source>{where}: table '{table}' was not written by gridkit; it is never replaced: choose another schema</source>
      <translation>{where}：表“{table}”不是 gridkit 写出的，不会被替换：请选择另一个模式（schema）</translation>
    </message>
    <message>
      <location filename="../i18n/__init__.py" line="387" />
      <source>{where}: is also the input; write the plan to another schema</source>
      <translation>{where}：也是输入；请把方案写入另一个模式（schema）</translation>
    </message>
    <message>
      <location filename="../i18n/__init__.py" line="389" />
      <source>{where}: this output must be a file ending in {suffixes}</source>
      <translation>{where}：此输出必须是扩展名为 {suffixes} 的文件</translation>
    </message>
    <message>
      <location filename="../i18n/__init__.py" line="390" />
      <source>{where}: has no geometry column</source>
      <translation>{where}：没有几何列</translation>
    </message>
    <message>
      <location filename="../i18n/__init__.py" line="393" />
      <source>community '{community}' is not in this plan; its communities are: {names}</source>
      <translation>方案中没有社区“{community}”；方案的社区有：{names}</translation>
    </message>
    <message>
      <location filename="../i18n/__init__.py" line="394" />
      <source>community '{community}' has no grids in this plan</source>
      <translation>社区“{community}”在此方案中没有网格</translation>
    </message>
    <message>
      <location filename="../i18n/__init__.py" line="395" />
      <source>give either one community or every community, not both</source>
      <translation>请选择一个社区或全部社区，不能同时选择</translation>
    </message>
    <message>
      <location filename="../i18n/__init__.py" line="397" />
      <source>no Chinese font found: install one, e.g. `{command}`</source>
      <translation>找不到中文字体：请安装一种，例如 `{command}`</translation>
    </message>
    <message>
      <location filename="../i18n/__init__.py" line="398" />
      <source>{where}: scenario {name} has no grids</source>
      <translation>{where}：备选方案 {name} 没有网格</translation>
    </message>
    <message>
      <location filename="../i18n/__init__.py" line="400" />
      <source>{where}: scenario {name} exists already; give another name or replace it</source>
      <translation>{where}：备选方案 {name} 已存在；请换一个名称或替换它</translation>
    </message>
    <message>
      <location filename="../i18n/__init__.py" line="402" />
      <source>{where}: scenario {name} would break {failures}; nothing was written</source>
      <translation>{where}：备选方案 {name} 会违反 {failures}；未写入任何内容</translation>
    </message>
    <message>
      <location filename="../i18n/__init__.py" line="405" />
      <source>{where}: every community's map is one multi-page PDF; give an output ending in .pdf</source>
      <translation>{where}：所有社区的地图是一个多页 PDF；请输出为 .pdf 文件</translation>
    </message>
    <message>
      <location filename="../i18n/__init__.py" line="406" />
      <source>dpi {dpi} is out of range (30..1200)</source>
      <translation>dpi {dpi} 超出范围（30..1200）</translation>
    </message>
    <message>
      <location filename="../i18n/__init__.py" line="408" />
      <source>{paper} at {dpi} dpi is {mp} million pixels; use a lower DPI or PDF</source>
      <translation>{paper} 在 {dpi} dpi 下有 {mp} 百万像素；请降低 DPI 或输出 PDF</translation>
    </message>
    <message>
      <location filename="../i18n/__init__.py" line="410" />
      <source>{where}: not valid TOML: {why}</source>
      <translation>{where}：不是有效的 TOML：{why}</translation>
    </message>
    <message>
      <location filename="../i18n/__init__.py" line="412" />
      <source>{where}: is not UTF-8 text (byte {byte}), as a TOML profile must be; save it as UTF-8 (in Notepad: Save As, Encoding UTF-8)</source>
      <translation>{where}：不是 UTF-8 文本（第 {byte} 字节），而 TOML 配置文件必须是；请另存为 UTF-8（记事本：另存为，编码选 UTF-8）</translation>
    </message>
    <message>
      <location filename="../i18n/__init__.py" line="414" />
      <source>{where}: cannot read the profile: {why}</source>
      <translation>{where}：无法读取配置文件：{why}</translation>
    </message>
    <message>
      <location filename="../i18n/__init__.py" line="415" />
      <source>{where}: unknown key '{key}'</source>
      <translation>{where}：未知的键“{key}”</translation>
    </message>
    <message>
      <location filename="../i18n/__init__.py" line="416" />
      <source>{where}: missing key '{key}'</source>
      <translation>{where}：缺少键“{key}”</translation>
    </message>
    <message>
      <location filename="../i18n/__init__.py" line="418" />
      <source>{where}: '{key}' must be true or false, not {value}</source>
      <translation>{where}：“{key}”必须是 true 或 false，而不是 {value}</translation>
    </message>
    <message>
      <location filename="../i18n/__init__.py" line="420" />
      <source>{where}: '{key}' must be a {type}, not {value}</source>
      <translation>{where}：“{key}”必须是 {type}，而不是 {value}</translation>
    </message>
    <message>
      <location filename="../i18n/__init__.py" line="422" />
      <source>{where}: '{key}' = {value} is out of range [{lo}, {hi}]</source>
      <translation>{where}：“{key}” = {value} 超出范围 [{lo}, {hi}]</translation>
    </message>
    <message>
      <location filename="../i18n/__init__.py" line="425" />
      <source>{where}: '{level}' needs min_households &lt;= target_households &lt;= max_households (got {lo}, {t}, {hi})</source>
      <translation>{where}：“{level}”需要 min_households &lt;= target_households &lt;= max_households（现为 {lo}、{t}、{hi}）</translation>
    </message>
    <message>
      <location filename="../i18n/__init__.py" line="427" />
      <source>{where}: community.max_households is below grid.max_households</source>
      <translation>{where}：community.max_households 小于 grid.max_households</translation>
    </message>
    <message>
      <location filename="../i18n/__init__.py" line="429" />
      <source>{where}: base = '{base}' is not a shipped profile</source>
      <translation>{where}：base = '{base}' 不是自带的配置</translation>
    </message>
    <message>
      <location filename="../i18n/__init__.py" line="431" />
      <source>{n} ({rows}), counted once</source>
      <translation>{n} 户（{rows}），只计一次</translation>
    </message>
    <message>
      <location filename="../i18n/__init__.py" line="432" />
      <source>{n} ({rows}), read as any other</source>
      <translation>{n} 行（{rows}），照常读取</translation>
    </message>
    <message>
      <location filename="../i18n/__init__.py" line="433" />
      <source>{n} ({rows}), split by floor area</source>
      <translation>{n} 行（{rows}），按建筑面积分配</translation>
    </message>
    <message>
      <location filename="../i18n/__init__.py" line="434" />
      <source>{n} ({rows}), split by footprint area</source>
      <translation>{n} 行（{rows}），按占地面积分配</translation>
    </message>
    <message>
      <location filename="../i18n/__init__.py" line="436" />
      <source>{other} (the {resident} sheet(s) count who lives here)</source>
      <translation>{other}（“{resident}”已统计实际居住的人）</translation>
    </message>
    <message>
      <location filename="../i18n/__init__.py" line="439" />
      <source>connection to server at "{host}", port {port} failed: {why}</source>
      <translation>连接服务器 {host} 的端口 {port} 失败：{why}</translation>
    </message>
    <message>
      <location filename="../i18n/__init__.py" line="440" />
      <source>connection refused</source>
      <translation>连接被拒绝</translation>
    </message>
    <message>
      <location filename="../i18n/__init__.py" line="442" />
      <source>password authentication failed for user "{user}"</source>
      <translation>用户“{user}”的密码验证失败</translation>
    </message>
    <message>
      <location filename="../i18n/__init__.py" line="443" />
      <source>database "{name}" does not exist</source>
      <translation>数据库“{name}”不存在</translation>
    </message>
    <message>
      <location filename="../i18n/__init__.py" line="445" />
      <source>permission denied</source>
      <translation>没有权限</translation>
    </message>
    <message>
      <location filename="../i18n/__init__.py" line="446" />
      <source>the disk is read-only</source>
      <translation>磁盘为只读</translation>
    </message>
    <message>
      <location filename="../i18n/__init__.py" line="448" />
      <source>not map data in a format gridkit reads ({formats})</source>
      <translation>不是 gridkit 能读取的地图数据格式（{formats}）</translation>
    </message>
    <message>
      <location filename="../i18n/__init__.py" line="451" />
      <source>the file is locked by another program writing to it; close it there, or let it finish saving, then try again</source>
      <translation>文件被另一个正在写入的程序锁定；请在那里关闭它，或等它保存完毕，然后再试一次</translation>
    </message>
    <message>
      <location filename="../i18n/__init__.py" line="455" />
      <source>the file is damaged; copy it again from its source</source>
      <translation>文件已损坏；请从来源重新复制</translation>
    </message>
    <message>
      <location filename="../i18n/__init__.py" line="458" />
      <source>{where}: feature(s) {features}: {column} {values} must be a whole number &gt;= 0; {exact}: write the exact count</source>
      <translation>{where}：要素 {features}：{column} 的值 {values} 必须是大于等于 0 的整数；{exact}：请填写确切的数</translation>
    </message>
    <message>
      <location filename="../i18n/__init__.py" line="462" />
      <source>{where}: feature(s) {features}: {column} {values} must be a whole number &gt;= 0</source>
      <translation>{where}：要素 {features}：{column} 的值 {values} 必须是大于等于 0 的整数</translation>
    </message>
    <message>
      <location filename="../i18n/__init__.py" line="470" />
      <source>, layer '{name}'</source>
      <translation>，图层“{name}”</translation>
    </message>
    <message>
      <location filename="../i18n/__init__.py" line="471" />
      <source>, street office {code}</source>
      <translation>，街道 {code}</translation>
    </message>
    <message>
      <location filename="../i18n/__init__.py" line="493" />
      <source>{message} (gridkit's message, in English)</source>
      <translation>{message}（gridkit 的英文原文）</translation>
    </message>
    <message>
      <location filename="../i18n/__init__.py" line="504" />
      <source>layer '{name}'</source>
      <translation>图层“{name}”</translation>
    </message>
    <message>
      <location filename="../i18n/__init__.py" line="506" />
      <source>number of households</source>
      <translation>户数</translation>
    </message>
    <message>
      <location filename="../i18n/__init__.py" line="506" />
      <source>population</source>
      <translation>人口</translation>
    </message>
    <message>
      <location filename="../i18n/__init__.py" line="507" />
      <source>building id</source>
      <translation>楼栋编号</translation>
    </message>
    <message>
      <location filename="../i18n/__init__.py" line="507" />
      <source>address</source>
      <translation>地址</translation>
    </message>
    <message>
      <location filename="../i18n/__init__.py" line="511" />
      <source>sheet '{name}'</source>
      <translation>工作表“{name}”</translation>
    </message>
    <message>
      <location filename="../i18n/__init__.py" line="512" />
      <source>row(s) {rows}</source>
      <translation>第 {rows} 行</translation>
    </message>
    <message>
      <location filename="../i18n/__init__.py" line="514" />
      <source>its building ids</source>
      <translation>其楼栋编号</translation>
    </message>
    <message>
      <location filename="../i18n/__init__.py" line="515" />
      <source>its building addresses</source>
      <translation>其地址</translation>
    </message>
    <message>
      <location filename="../i18n/__init__.py" line="516" />
      <source> are none of the buildings' </source>
      <translation> 都不是建筑图层中的 </translation>
    </message>
    <message>
      <location filename="../i18n/__init__.py" line="517" />
      <source>; </source>
      <translation>；</translation>
    </message>
    <message>
      <location filename="../i18n/__init__.py" line="519" />
      <source> is rounded to {unit}</source>
      <translation> 是取整到“{unit}”的约数</translation>
    </message>
    <message>
      <location filename="../i18n/__init__.py" line="521" />
      <source> is a range</source>
      <translation> 是一个范围</translation>
    </message>
    <message>
      <location filename="../i18n/__init__.py" line="521" />
      <source> is approximate</source>
      <translation> 是约数</translation>
    </message>
    <message>
      <location filename="../i18n/__init__.py" line="522" />
      <source>, </source>
      <translation>，</translation>
    </message>
    <message>
      <location filename="../i18n/__init__.py" line="524" />
      <source> and </source>
      <translation> 和 </translation>
    </message>
    <message>
      <location filename="../i18n/__init__.py" line="526" />
      <source>register</source>
      <translation>住户登记表</translation>
    </message>
    <message>
      <location filename="../i18n/__init__.py" line="526" />
      <source>roster</source>
      <translation>人员名单</translation>
    </message>
    <message>
      <location filename="../i18n/__init__.py" line="526" />
      <source>totals file</source>
      <translation>总数表</translation>
    </message>
    <message>
      <location filename="../i18n/__init__.py" line="527" />
      <source>a gridkit plan</source>
      <translation>gridkit 方案</translation>
    </message>
    <message>
      <location filename="../i18n/__init__.py" line="527" />
      <source>a file gridkit wrote</source>
      <translation>gridkit 写出的文件</translation>
    </message>
    <message>
      <location filename="../i18n/__init__.py" line="548" />
      <source>reading the input</source>
      <translation>读取输入数据</translation>
    </message>
    <message>
      <location filename="../i18n/__init__.py" line="549" />
      <source>writing the plan</source>
      <translation>写出方案</translation>
    </message>
    <message>
      <location filename="../i18n/__init__.py" line="549" />
      <source>households</source>
      <translation>估算各楼住户</translation>
    </message>
    <message>
      <location filename="../i18n/__init__.py" line="549" />
      <source>blocks</source>
      <translation>划出街块</translation>
    </message>
    <message>
      <location filename="../i18n/__init__.py" line="550" />
      <source>block graph</source>
      <translation>建立街块邻接图</translation>
    </message>
    <message>
      <location filename="../i18n/__init__.py" line="550" />
      <source>communities and grids</source>
      <translation>划分社区和网格</translation>
    </message>
    <message>
      <location filename="../i18n/__init__.py" line="551" />
      <source>units, names and metrics</source>
      <translation>单元编码、命名和指标</translation>
    </message>
    <message>
      <location filename="../i18n/__init__.py" line="551" />
      <source>communities</source>
      <translation>划分社区</translation>
    </message>
    <message>
      <location filename="../i18n/__init__.py" line="552" />
      <source>grids</source>
      <translation>划分网格</translation>
    </message>
    <message>
      <location filename="../i18n/__init__.py" line="552" />
      <source>codes and names</source>
      <translation>编码和命名</translation>
    </message>
    <message>
      <location filename="../i18n/__init__.py" line="553" />
      <source>recomputing every invariant and score</source>
      <translation>重新计算每项约束和评分</translation>
    </message>
    <message>
      <location filename="../i18n/__init__.py" line="554" />
      <source>drawing the map</source>
      <translation>绘制地图</translation>
    </message>
    <message>
      <location filename="../i18n/__init__.py" line="554" />
      <source>writing the report</source>
      <translation>写出报告</translation>
    </message>
    <message>
      <location filename="../i18n/__init__.py" line="555" />
      <source>reading both plans</source>
      <translation>读取两个方案</translation>
    </message>
    <message>
      <location filename="../i18n/__init__.py" line="555" />
      <source>comparing</source>
      <translation>比较中</translation>
    </message>
    <message>
      <location filename="../i18n/__init__.py" line="556" />
      <source>reading the plan</source>
      <translation>读取方案</translation>
    </message>
    <message>
      <location filename="../i18n/__init__.py" line="556" />
      <source>scoring</source>
      <translation>评分</translation>
    </message>
    <message>
      <location filename="../i18n/__init__.py" line="557" />
      <source>rebuilding the plan from the grids</source>
      <translation>由网格重建方案</translation>
    </message>
    <message>
      <location filename="../i18n/__init__.py" line="558" />
      <source>rebuilding the plan from the scenario</source>
      <translation>由备选方案重建方案</translation>
    </message>
    <message>
      <location filename="../i18n/__init__.py" line="558" />
      <source>done</source>
      <translation>完成</translation>
    </message>
    <message>
      <location filename="../i18n/__init__.py" line="578" />
      <source>{plan} — grids</source>
      <translation>{plan} — 网格</translation>
    </message>
    <message>
      <location filename="../i18n/__init__.py" line="578" />
      <source>{plan} — blocks</source>
      <translation>{plan} — 街块</translation>
    </message>
    <message>
      <location filename="../i18n/__init__.py" line="579" />
      <source>{plan} — communities</source>
      <translation>{plan} — 社区</translation>
    </message>
    <message>
      <location filename="../i18n/__init__.py" line="589" />
      <source>urban street office (grids of at most 200 households)</source>
      <translation>城市街道（网格不超过 200 户）</translation>
    </message>
    <message>
      <location filename="../i18n/__init__.py" line="590" />
      <source>town with villages (villages as communities)</source>
      <translation>乡镇（行政村为社区）</translation>
    </message>
    <message>
      <location filename="../i18n/__init__.py" line="591" />
      <source>one enterprise living quarter</source>
      <translation>企业生活区</translation>
    </message>
    <message>
      <location filename="../i18n/__init__.py" line="592" />
      <source>grids of 300-500 households</source>
      <translation>网格 300–500 户</translation>
    </message>
    <message>
      <location filename="../i18n/__init__.py" line="593" />
      <source>Beijing DB11/T 2157-2023 (15-digit grid codes)</source>
      <translation>北京 DB11/T 2157-2023（15 位网格编码）</translation>
    </message>
    <message>
      <location filename="../missing.py" line="19" />
      <source>missing: {names}</source>
      <translation>缺少：{names}</translation>
    </message>
    <message>
      <location filename="../missing.py" line="21" />
      <source>too old: {names}</source>
      <translation>版本过旧：{names}</translation>
    </message>
    <message>
      <location filename="../missing.py" line="22" />
      <source>{name} {have} (needs {least})</source>
      <translation>{name} {have}（需要 {least}）</translation>
    </message>
    <message>
      <location filename="../missing.py" line="23" />
      <source>gridkit cannot run in {python}: {problems}. Install what it needs with:
{command}
then restart QGIS.</source>
      <translation>gridkit 无法在 {python} 中运行：{problems}。请用以下命令安装所需的包：
{command}
然后重新启动 QGIS。</translation>
    </message>
    <message>
      <location filename="../missing.py" line="27" />
      <source>This copy of the plugin has no gridkit library: install the plugin from its zip, which holds it (bash scripts/plugin-zip.sh writes dist/gridkit_qgis.zip), or install gridkit into {python} from its source folder (python -m pip install FOLDER). The package named gridkit on PyPI is another project.</source>
      <translation>此插件副本不含 gridkit 库：请用插件的 zip 安装包安装（zip 内含该库；bash scripts/plugin-zip.sh 生成 dist/gridkit_qgis.zip），或从 gridkit 源码文件夹将其安装到 {python}（python -m pip install 文件夹）。PyPI 上名为 gridkit 的包是另一个项目。</translation>
    </message>
    <message>
      <location filename="../missing.py" line="49" />
      <source>Copy the command</source>
      <translation>复制命令</translation>
    </message>
    <message>
      <location filename="../missing.py" line="51" />
      <source>Details</source>
      <translation>详情</translation>
    </message>
    <message>
      <location filename="../plugin.py" line="38" />
      <source>gridkit grids (edit a plan)</source>
      <translation>gridkit 网格（编辑方案）</translation>
    </message>
    <message>
      <location filename="../plugin.py" line="41" />
      <source>Open a gridkit plan…</source>
      <translation>打开 gridkit 方案…</translation>
    </message>
    <message>
      <location filename="../plugin.py" line="45" />
      <source>&amp;gridkit</source>
      <translation>&amp;gridkit</translation>
    </message>
    <message>
      <location filename="../processing/algorithms.py" line="119" />
      <source>Plans</source>
      <translation>方案</translation>
    </message>
    <message>
      <location filename="../processing/algorithms.py" line="157" />
      <source>Cancelled: nothing was written.</source>
      <translation>已取消：没有写出任何文件。</translation>
    </message>
    <message>
      <location filename="../processing/algorithms.py" line="202" />
      <source>Register ({encoding}): {matched} rows matched ({by_id} by building id, {by_address} by address), {unmatched} unmatched</source>
      <translation>住户登记表（{encoding}）：{matched} 行已匹配（按楼栋编号 {by_id} 行，按地址 {by_address} 行），{unmatched} 行未匹配</translation>
    </message>
    <message>
      <location filename="../processing/algorithms.py" line="208" />
      <source>The unmatched rows, each with why: {path}</source>
      <translation>未匹配的行及其原因：{path}</translation>
    </message>
    <message>
      <location filename="../processing/algorithms.py" line="209" />
      <source>Register: sheets left out: {value}</source>
      <translation>住户登记表：未计入的工作表：{value}</translation>
    </message>
    <message>
      <location filename="../processing/algorithms.py" line="210" />
      <source>Register: households entered twice: {value}</source>
      <translation>住户登记表：重复登记的住户：{value}</translation>
    </message>
    <message>
      <location filename="../processing/algorithms.py" line="211" />
      <source>Register: sheets read as compounds: {value}</source>
      <translation>住户登记表：按小区读取的工作表：{value}</translation>
    </message>
    <message>
      <location filename="../processing/algorithms.py" line="212" />
      <source>Register: hidden sheets not read: {value}</source>
      <translation>住户登记表：未读取隐藏的工作表：{value}</translation>
    </message>
    <message>
      <location filename="../processing/algorithms.py" line="213" />
      <source>Register: rows hidden in the workbook (by a filter) are counted; delete those that should not count: {value}</source>
      <translation>住户登记表：工作簿中隐藏（筛选）的行也已计入；不应计入的行请删除：{value}</translation>
    </message>
    <message>
      <location filename="../processing/algorithms.py" line="215" />
      <source>Register: rows naming several buildings, their figures split between them: {value}</source>
      <translation>住户登记表：一行登记多栋楼，其户数已分配到各栋：{value}</translation>
    </message>
    <message>
      <location filename="../processing/algorithms.py" line="224" />
      <source>Partition into communities and grids</source>
      <translation>划分社区和网格</translation>
    </message>
    <message>
      <location filename="../processing/algorithms.py" line="225" />
      <source>Divide a street office or town into communities and base grids along its streets (gridkit partition) and write the plan GeoPackage. INPUT is a GeoPackage (or any GDAL source, a folder of layers, an OSM file) with buildings and, usually, roads, boundary and barriers.</source>
      <translation>沿街巷道路把街道或镇划分为社区和基础网格（gridkit partition），并写出方案 GeoPackage。输入为含建筑（buildings）图层、通常还有道路、边界和障碍图层的 GeoPackage（或任何 GDAL 数据源、图层文件夹、OSM 文件）。</translation>
    </message>
    <message>
      <location filename="../processing/algorithms.py" line="230" />
      <source>Input area (GeoPackage, OSM, folder…)</source>
      <translation>输入区域（GeoPackage、OSM、文件夹…）</translation>
    </message>
    <message>
      <location filename="../processing/algorithms.py" line="235" />
      <source>Profile</source>
      <translation>配置</translation>
    </message>
    <message>
      <location filename="../processing/algorithms.py" line="239" />
      <source>Profile file (TOML, overrides Profile)</source>
      <translation>配置文件（TOML，优先于“配置”）</translation>
    </message>
    <message>
      <location filename="../processing/algorithms.py" line="241" />
      <source>Profiles</source>
      <translation>配置文件</translation>
    </message>
    <message>
      <location filename="../processing/algorithms.py" line="242" />
      <source>Random seed</source>
      <translation>随机种子</translation>
    </message>
    <message>
      <location filename="../processing/algorithms.py" line="245" />
      <source>Household register (CSV/XLSX)</source>
      <translation>住户登记表（CSV/XLSX）</translation>
    </message>
    <message>
      <location filename="../processing/algorithms.py" line="247" />
      <source>Registers</source>
      <translation>登记表</translation>
    </message>
    <message>
      <location filename="../processing/algorithms.py" line="248" />
      <source>Input longitude/latitude are GCJ-02</source>
      <translation>输入经纬度为 GCJ-02</translation>
    </message>
    <message>
      <location filename="../processing/algorithms.py" line="250" />
      <source>Existing plan to keep where the rules allow</source>
      <translation>在规则允许处保留的现有方案</translation>
    </message>
    <message>
      <location filename="../processing/algorithms.py" line="252" />
      <source>Plan GeoPackage</source>
      <translation>方案 GeoPackage</translation>
    </message>
    <message>
      <location filename="../processing/algorithms.py" line="254" />
      <source>Communities</source>
      <translation>社区</translation>
    </message>
    <message>
      <location filename="../processing/algorithms.py" line="256" />
      <source>Number of grids</source>
      <translation>网格数</translation>
    </message>
    <message>
      <location filename="../processing/algorithms.py" line="258" />
      <source>Failed invariants</source>
      <translation>未满足的约束</translation>
    </message>
    <message>
      <location filename="../processing/algorithms.py" line="263" />
      <source>{path} is open in this project; remove its layers or write the plan to another file</source>
      <translation>{path} 已在本项目中打开；请移除它的图层，或把方案写到另一个文件</translation>
    </message>
    <message>
      <location filename="../processing/algorithms.py" line="281" />
      <source>{output}: {grids} grids in {communities} communities, {households} households, {seconds} s</source>
      <translation>{output}：{communities} 个社区中 {grids} 个网格，{households} 户，{seconds} 秒</translation>
    </message>
    <message>
      <location filename="../processing/algorithms.py" line="287" />
      <source>Invariants failed: {failures}</source>
      <translation>未满足的约束：{failures}</translation>
    </message>
    <message>
      <location filename="../processing/algorithms.py" line="311" />
      <source>Validate a plan</source>
      <translation>验证方案</translation>
    </message>
    <message>
      <location filename="../processing/algorithms.py" line="312" />
      <source>Recompute every invariant and score of a plan from its own layers (gridkit validate). VALID is false when an invariant fails; with 'Fail when invalid' the algorithm fails instead.</source>
      <translation>根据方案自身的图层重新计算所有约束和评分（gridkit validate）。有约束未满足时“有效”为假；勾选“无效时报错”则算法直接失败。</translation>
    </message>
    <message>
      <location filename="../processing/algorithms.py" line="317" />
      <source>The input the plan was made from</source>
      <translation>生成方案所用的输入数据</translation>
    </message>
    <message>
      <location filename="../processing/algorithms.py" line="319" />
      <source>Fail when invalid</source>
      <translation>无效时报错</translation>
    </message>
    <message>
      <location filename="../processing/algorithms.py" line="320" />
      <source>Metrics table (CSV)</source>
      <translation>指标表（CSV）</translation>
    </message>
    <message>
      <location filename="../processing/algorithms.py" line="323" />
      <source>Valid</source>
      <translation>有效</translation>
    </message>
    <message>
      <location filename="../processing/algorithms.py" line="333" />
      <source>passed</source>
      <translation>通过</translation>
    </message>
    <message>
      <location filename="../processing/algorithms.py" line="333" />
      <source>FAILED</source>
      <translation>未通过</translation>
    </message>
    <message>
      <location filename="../processing/algorithms.py" line="355" />
      <source>The plan is INVALID: {failures}</source>
      <translation>方案无效：{failures}</translation>
    </message>
    <message>
      <location filename="../processing/algorithms.py" line="360" />
      <source>The plan is valid.</source>
      <translation>方案有效。</translation>
    </message>
    <message>
      <location filename="../processing/algorithms.py" line="366" />
      <source>Draw the grid map</source>
      <translation>绘制网格划分图</translation>
    </message>
    <message>
      <location filename="../processing/algorithms.py" line="367" />
      <source>Draw the grid division wall chart of a plan (gridkit map): the street office, one community, or every sheet as one PDF.</source>
      <translation>绘制方案的网格划分图（gridkit map）：整个街道、一个社区，或把所有图幅合为一个 PDF。</translation>
    </message>
    <message>
      <location filename="../processing/algorithms.py" line="372" />
      <source>One community (code, name or serial)</source>
      <translation>单个社区（编码、名称或序号）</translation>
    </message>
    <message>
      <location filename="../processing/algorithms.py" line="374" />
      <source>Every sheet (street office and each community, PDF)</source>
      <translation>所有图幅（街道及每个社区，PDF）</translation>
    </message>
    <message>
      <location filename="../processing/algorithms.py" line="376" />
      <source>Paper</source>
      <translation>纸张</translation>
    </message>
    <message>
      <location filename="../processing/algorithms.py" line="377" />
      <source>Resolution of PNG output (dpi)</source>
      <translation>PNG 分辨率（dpi）</translation>
    </message>
    <message>
      <location filename="../processing/algorithms.py" line="380" />
      <source>Staff roster (CSV/XLSX)</source>
      <translation>人员名册（CSV/XLSX）</translation>
    </message>
    <message>
      <location filename="../processing/algorithms.py" line="381" />
      <source>Rosters</source>
      <translation>名册</translation>
    </message>
    <message>
      <location filename="../processing/algorithms.py" line="382" />
      <source>Data source line</source>
      <translation>数据来源说明</translation>
    </message>
    <message>
      <location filename="../processing/algorithms.py" line="384" />
      <source>Map</source>
      <translation>地图</translation>
    </message>
    <message>
      <location filename="../processing/algorithms.py" line="385" />
      <source>Sheets</source>
      <translation>图幅数</translation>
    </message>
    <message>
      <location filename="../processing/algorithms.py" line="404" />
      <source>Write the division report</source>
      <translation>生成划分方案报告</translation>
    </message>
    <message>
      <location filename="../processing/algorithms.py" line="405" />
      <source>Write the division scheme of a plan (gridkit report): communities, grids, summary and changes as XLSX, or with the maps as HTML or PDF.</source>
      <translation>写出方案的划分方案（gridkit report）：社区、网格、汇总和变更，格式为 XLSX，或连同地图输出为 HTML 或 PDF。</translation>
    </message>
    <message>
      <location filename="../processing/algorithms.py" line="414" />
      <source>Report</source>
      <translation>报告</translation>
    </message>
    <message>
      <location filename="../processing/algorithms.py" line="431" />
      <source>Compare two plans</source>
      <translation>比较两个方案</translation>
    </message>
    <message>
      <location filename="../processing/algorithms.py" line="432" />
      <source>What moved between two plans (gridkit diff): units added, removed, merged, split or changed, with households and buildings moved; optionally as a CSV or XLSX table.</source>
      <translation>两个方案之间的变化（gridkit diff）：新增、撤销、合并、拆分或调整的单元，以及涉及的户数和建筑；可输出为 CSV 或 XLSX 表。</translation>
    </message>
    <message>
      <location filename="../processing/algorithms.py" line="436" />
      <source>Earlier plan</source>
      <translation>原方案</translation>
    </message>
    <message>
      <location filename="../processing/algorithms.py" line="437" />
      <source>Later plan</source>
      <translation>新方案</translation>
    </message>
    <message>
      <location filename="../processing/algorithms.py" line="439" />
      <source>Change table</source>
      <translation>变更表</translation>
    </message>
    <message>
      <location filename="../processing/algorithms.py" line="441" />
      <source>Summary</source>
      <translation>汇总</translation>
    </message>
    <message>
      <location filename="../processing/algorithms.py" line="442" />
      <source>Units changed</source>
      <translation>变更的单元数</translation>
    </message>
    <message>
      <location filename="../processing/provider.py" line="30" />
      <source>gridkit: communities and base grids along streets</source>
      <translation>gridkit：沿街巷划分社区和基础网格</translation>
    </message>
  </context>
</TS>
