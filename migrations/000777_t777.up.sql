CREATE TABLE t777 (id bigint PRIMARY KEY, name text NOT NULL);
