CREATE TABLE t810 (id bigint PRIMARY KEY, name text NOT NULL);
