CREATE TABLE t219 (id bigint PRIMARY KEY, name text NOT NULL);
