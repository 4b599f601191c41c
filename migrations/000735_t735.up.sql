CREATE TABLE t735 (id bigint PRIMARY KEY, name text NOT NULL);
