CREATE TABLE t362 (id bigint PRIMARY KEY, name text NOT NULL);
