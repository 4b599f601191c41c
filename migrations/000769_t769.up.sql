CREATE TABLE t769 (id bigint PRIMARY KEY, name text NOT NULL);
