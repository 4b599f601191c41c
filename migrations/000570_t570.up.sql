CREATE TABLE t570 (id bigint PRIMARY KEY, name text NOT NULL);
