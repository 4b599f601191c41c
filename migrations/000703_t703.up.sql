CREATE TABLE t703 (id bigint PRIMARY KEY, name text NOT NULL);
